package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.StoreFixture;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class ReplicationTest {

    @TempDir
    Path tmp;
    PartnerFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = PartnerFixture.create(tmp, tmp.resolve("partner"));
    }

    @AfterEach
    void tearDown() throws IOException {
        f.close();
    }

    static Map<String, byte[]> snapshotFiles(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** Recovers the copy into a fresh store with the same key; returns it (caller closes). */
    StoreFixture recover(Path into) throws IOException {
        StoreFixture st = StoreFixture.open(Files.createDirectories(into), f.keys);
        Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        List<String> problems = new ArrayList<>();
        Set<ChunkId> lost = Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, problems);
        assertTrue(lost.isEmpty() && problems.isEmpty(), problems.toString());
        return st;
    }

    @Test
    void replicatedSnapshotsRecoverByteIdenticalFromThePartnerAlone() throws IOException {
        Map<String, byte[]> n1 = PartnerFixture.night(1, 1, 6, 100_000);
        Map<String, byte[]> n2 = PartnerFixture.night(2, 2, 6, 100_000);
        f.snapshot("night-1", n1);
        f.snapshot("night-2", n2);
        Replicator.PassResult p = f.replicator(f.target(), 256 * 1024).runPass();
        assertTrue(p.packs() > 1, "several packs: " + p);
        assertEquals(2, p.snapshots());
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
        try (StoreFixture st = recover(tmp.resolve("recovered"))) {
            Map<String, byte[]> r1 = PartnerFixture.restore(st, "night-1");
            Map<String, byte[]> r2 = PartnerFixture.restore(st, "night-2");
            assertEquals(n1.keySet(), r1.keySet());
            for (String k : n1.keySet()) {
                assertArrayEquals(n1.get(k), r1.get(k), k);
            }
            for (String k : n2.keySet()) {
                assertArrayEquals(n2.get(k), r2.get(k), k);
            }
            ChunkStore.CheckReport c = st.store.check(true);
            assertTrue(c.clean(), c.problems().toString());
        }
    }

    @Test
    void chunksRecompressedForACappedLinkVerifyAtHomeAndRecoverByteIdentical() throws IOException {
        Map<String, byte[]> n1 = new TreeMap<>();
        for (int i = 0; i < 4; i++) {
            n1.put("dump-" + i + ".sql", StoreFixture.accountsCopy(i, 300_000));
        }
        f.snapshot("night-1", n1);
        Replicator.PassResult p = f.replicator(f.target(), new Replicator.Options(1 << 20, 4 << 20).withRecompressForWan())
                .runPass();
        assertTrue(p.blobs() > 0, p.toString());
        // Home holds the same recompressed blobs: every payload verifies and the files read back.
        ChunkStore.CheckReport home = f.s.store.check(true);
        assertTrue(home.clean(), home.problems().toString());
        Map<String, byte[]> atHome = PartnerFixture.restore(f.s, "night-1");
        for (String k : n1.keySet()) {
            assertArrayEquals(n1.get(k), atHome.get(k), k);
        }
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
        try (StoreFixture st = recover(tmp.resolve("recovered"))) {
            Map<String, byte[]> r1 = PartnerFixture.restore(st, "night-1");
            for (String k : n1.keySet()) {
                assertArrayEquals(n1.get(k), r1.get(k), k);
            }
            ChunkStore.CheckReport c = st.store.check(true);
            assertTrue(c.clean(), c.problems().toString());
        }
    }

    @Test
    void aSecondPassSendsNothingAndUnchangedDataIsNotResent() throws IOException {
        Map<String, byte[]> n1 = PartnerFixture.night(1, 1, 4, 50_000);
        f.snapshot("a", n1);
        Replicator rep = f.replicator(f.target(), 1 << 20);
        assertTrue(rep.runPass().bytes() > 0);
        Replicator.PassResult again = rep.runPass();
        assertEquals(0, again.bytes());
        assertEquals(0, again.blobs());
        // The same files again in a new snapshot: only the new (identical-content) tree... nothing but a record.
        f.snapshot("b", n1);
        Replicator.PassResult third = rep.runPass();
        assertEquals(0, third.blobs());
        assertEquals(1, third.snapshots());
        ReplicationStatus st = rep.status();
        assertEquals(0, st.pendingBlobs());
        assertEquals("b", st.lastSnapshot());
    }

    @Test
    void missingPartnerConfigMeansNothingIsWritten() throws IOException {
        f.snapshot("a", PartnerFixture.night(1, 1, 3, 30_000));
        Files.delete(f.copyDir.resolve("config"));
        Map<String, byte[]> before = snapshotFiles(f.partnerDir);
        PartnerUnavailableException e = assertThrows(PartnerUnavailableException.class,
                () -> f.replicator(f.target(), 1 << 20).runPass());
        assertTrue(e.getMessage().contains("config is missing"), e.getMessage());
        assertEquals(before.keySet(), snapshotFiles(f.partnerDir).keySet());
        assertTrue(f.replicator(f.target(), 1 << 20).status().lastError().contains("missing"));
    }

    @Test
    void partnerConfigOfAnotherRepoMeansNothingIsWritten() throws IOException {
        f.snapshot("a", PartnerFixture.night(1, 1, 3, 30_000));
        Files.writeString(f.copyDir.resolve("config"), "pactfs-partner-copy\nformat=1\nrepo_id=ffffffffffffffffffffffffffffffff\n");
        Map<String, byte[]> before = snapshotFiles(f.partnerDir);
        PartnerUnavailableException e = assertThrows(PartnerUnavailableException.class,
                () -> f.replicator(f.target(), 1 << 20).runPass());
        assertTrue(e.getMessage().contains("belongs to repo ffff"), e.getMessage());
        assertEquals(before.keySet(), snapshotFiles(f.partnerDir).keySet());
    }

    @Test
    void anEmptyMountpointGetsNoCopyDirectoryAndNoFiles() throws IOException {
        f.snapshot("a", PartnerFixture.night(1, 1, 3, 30_000));
        Path mountpoint = Files.createDirectories(tmp.resolve("unmounted-nfs"));
        PartnerTarget t = PartnerTargets.directory(PartnerTargets.copyDir(mountpoint, f.repoId));
        assertThrows(PartnerUnavailableException.class, () -> f.replicator(t, 1 << 20).runPass());
        try (Stream<Path> s = Files.list(mountpoint)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void thePartnerLearnsNoNameNoPlaintextAndNoPlaintextHash() throws Exception {
        Map<String, byte[]> files = PartnerFixture.night(7, 7, 6, 70_000);
        f.snapshot("payroll-snapshot", files);
        f.replicator(f.target(), 128 * 1024).runPass();
        Map<String, byte[]> partner = snapshotFiles(f.partnerDir);
        assertTrue(partner.size() > 3);
        List<byte[]> needles = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            needles.add(e.getKey().getBytes(StandardCharsets.UTF_8));
            byte[] d = e.getValue();
            for (int off = 0; off + 64 <= d.length; off += 64) {
                needles.add(java.util.Arrays.copyOfRange(d, off, off + 64));
            }
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256").digest(d);
            needles.add(sha);
            needles.add(HexFormat.of().formatHex(sha).getBytes(StandardCharsets.US_ASCII));
        }
        needles.add("payroll-snapshot".getBytes(StandardCharsets.UTF_8));
        needles.add("testhost".getBytes(StandardCharsets.UTF_8));
        // Every 64-byte run of the plaintext: a run at any offset contains one of the aligned 32-byte windows
        // below, so looking for all aligned 32-byte pieces covers unaligned 64-byte runs too.
        Set<String> pieces = new HashSet<>();
        for (byte[] d : files.values()) {
            for (int off = 0; off + 32 <= d.length; off += 32) {
                pieces.add(HexFormat.of().formatHex(d, off, off + 32));
            }
        }
        for (Map.Entry<String, byte[]> pf : partner.entrySet()) {
            byte[] hay = pf.getValue();
            for (byte[] n : needles) {
                assertFalse(contains(hay, n), pf.getKey() + " contains a name, plaintext or plaintext hash");
            }
            for (int off = 0; off + 32 <= hay.length; off++) {
                if (pieces.contains(HexFormat.of().formatHex(hay, off, off + 32))) {
                    throw new AssertionError(pf.getKey() + " contains 32 plaintext bytes at offset " + off);
                }
            }
            assertFalse(pf.getKey().contains("payroll"));
        }
    }

    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void aFlippedByteInAPackIsNamedByScrubAuditAndRecoverWhichRestoresTheRest() throws IOException {
        Map<String, byte[]> a = PartnerFixture.night(1, 11, 4, 60_000);
        f.snapshot("first", a);
        Replicator rep = f.replicator(f.target(), 64 * 1024);
        rep.runPass();
        Map<String, byte[]> b = PartnerFixture.night(2, 12, 4, 60_000);
        f.snapshot("second", b);
        rep.runPass();
        // Damage one pack holding only chunks of "second".
        List<PartnerCatalog.PartnerPack> packs = f.s.catalog.transaction(PartnerCatalog::packs);
        PartnerCatalog.PartnerPack victim = packs.get(packs.size() - 1);
        String name = HexFormat.of().formatHex(victim.name());
        Path file = f.copyDir.resolve("packs").resolve(name.substring(0, 2)).resolve(name);
        byte[] bytes = Files.readAllBytes(file);
        bytes[Envelope.HEADER + 100] ^= 0x40;
        Files.write(file, bytes);

        HostedScrub.Result scrub = HostedScrub.scrub(f.partnerDir, l -> { });
        assertFalse(scrub.clean());
        assertTrue(scrub.problems().stream().anyMatch(p -> p.contains(name)), scrub.problems().toString());
        Audit.Result audit = Audit.run(f.s.catalog, f.target(), 100, dev.pactfs.store.ByteProgress.NONE);
        assertEquals(List.of("corrupt: pack " + name + ": content hashes to " + Envelope.nameOf(bytes)), audit.problems());

        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            List<String> problems = new ArrayList<>();
            Set<ChunkId> lost = Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, problems);
            assertEquals(1, lost.size(), "one blob damaged");
            assertTrue(problems.stream().anyMatch(p -> p.contains(name)), problems.toString());
            List<String> cannot = Recovery.restorable(st.store, lost).lostFiles();
            assertFalse(cannot.isEmpty());
            assertTrue(cannot.stream().allMatch(p -> p.startsWith("second:/")), cannot.toString());
            Map<String, byte[]> r = PartnerFixture.restore(st, "first");
            for (String k : a.keySet()) {
                assertArrayEquals(a.get(k), r.get(k));
            }
        }
    }

    @Test
    void aPackPublishedBeforeACrashIsAdoptedNotResent() throws IOException {
        f.snapshot("a", PartnerFixture.night(1, 21, 4, 60_000));
        // The first pass dies right after publishing its first pack (before its index and the catalog record).
        PartnerTarget dying = new FailingTarget(f.target(), PartnerTarget.Kind.INDEX, 2); // the 1st is the repo info
        assertThrows(IOException.class, () -> f.replicator(dying, 1 << 20).runPass());
        assertEquals(1, f.target().list(PartnerTarget.Kind.PACK).size());
        long pendingBefore = f.s.catalog.transaction(PartnerCatalog::pendingTotals)[0];
        Replicator.PassResult p = f.replicator(f.target(), 1 << 20).runPass();
        assertEquals(pendingBefore, p.adopted());
        assertEquals(0, p.blobs(), "nothing re-sent");
        assertEquals(1, f.target().list(PartnerTarget.Kind.PACK).size());
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
        try (StoreFixture st = recover(tmp.resolve("rec"))) {
            assertEquals(4, PartnerFixture.restore(st, "a").size());
        }
    }

    @Test
    void evictedPayloadsAreFetchedBackFromThePartnerOnRead() throws IOException {
        Map<String, byte[]> files = PartnerFixture.night(3, 31, 4, 80_000);
        f.snapshot("a", files);
        f.replicator(f.target(), 1 << 20).runPass();
        f.s = f.s.reopen(); // empty plaintext cache
        f.s.store.setRemoteFetcher(new PartnerFetcher(f.s.catalog, f.target()));
        long before = f.s.catalog.transaction(PartnerCatalog::localPayloadBytes);
        long evicted = CacheLimit.enforce(f.s.store, 1);
        assertTrue(evicted > 0);
        assertTrue(f.s.catalog.transaction(PartnerCatalog::localPayloadBytes) < before / 10);
        Map<String, byte[]> r = PartnerFixture.restore(f.s, "a");
        for (String k : files.keySet()) {
            assertArrayEquals(files.get(k), r.get(k));
        }
    }

    @Test
    void aLazyRecoveryReadsEveryPayloadFromThePartnerOnDemand() throws IOException {
        Map<String, byte[]> files = PartnerFixture.night(5, 51, 4, 70_000);
        f.snapshot("a", files);
        f.replicator(f.target(), 128 * 1024).runPass();
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("lazy")), f.keys)) {
            Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertEquals(0, st.catalog.transaction(PartnerCatalog::localPayloadBytes));
            st.store.setRemoteFetcher(new PartnerFetcher(st.catalog, f.target()));
            Map<String, byte[]> r = PartnerFixture.restore(st, "a");
            for (String k : files.keySet()) {
                assertArrayEquals(files.get(k), r.get(k));
            }
        }
    }

    @Test
    void aWrongKeyIsRecognisedBeforeAnythingIsRecovered() throws IOException {
        f.snapshot("a", PartnerFixture.night(1, 1, 1, 1000));
        f.replicator(f.target(), 1 << 20).runPass();
        RepoKeys other = RepoKeys.derive(MasterKey.generate());
        assertThrows(Recovery.WrongKeyException.class, () -> Recovery.repoInfo(f.target(), other.blobCipher()));
        Recovery.RepoInfo info = Recovery.repoInfo(f.target(), f.keys.blobCipher());
        assertEquals(f.repoId, info.repoId());
        assertEquals(8192, info.chunkAvg());
    }

    @Test
    void partnerPruneRepacksSparsePacksAndDeletesForgottenData() throws IOException {
        Map<String, byte[]> a = PartnerFixture.night(1, 41, 4, 60_000);
        Map<String, byte[]> b = PartnerFixture.night(2, 42, 4, 60_000);
        f.snapshot("a", a);
        f.snapshot("b", b);
        Replicator rep = f.replicator(f.target(), 10 << 20);
        rep.runPass();
        assertEquals(1, f.target().list(PartnerTarget.Kind.PACK).size());
        // Forget "a" and prune through the snapshot layer, with the partner side as its listener.
        SnapshotService snaps = new SnapshotService(f.s.store);
        snaps.forget(List.of("a"));
        SnapshotService.Pruned pruned = snaps.prune(rep.pruneListener(0.8), () -> 0);
        assertEquals(1, pruned.snapshotsHandedToPartner());
        PartnerPrune.Result pr = rep.prune(0.8); // idempotent: nothing left to do
        assertEquals(0, pr.packsRepacked());
        assertEquals(1, f.target().list(PartnerTarget.Kind.PACK).size());
        assertEquals(1, f.target().list(PartnerTarget.Kind.SNAPSHOT).size());
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
        try (StoreFixture st = recover(tmp.resolve("rec"))) {
            Map<String, byte[]> r = PartnerFixture.restore(st, "b");
            for (String k : b.keySet()) {
                assertArrayEquals(b.get(k), r.get(k));
            }
            assertEquals(1, st.catalog.transaction(PartnerCatalog::allSnapshots).size());
        }
    }

    /** A target whose n-th save of one kind fails (a crash at that point, as far as the partner sees it). */
    static final class FailingTarget extends ForwardingTarget {
        private final Kind kind;
        private int left;

        FailingTarget(PartnerTarget inner, Kind kind, int nth) {
            super(inner);
            this.kind = kind;
            this.left = nth;
        }

        @Override
        public void save(Kind k, String name, byte[] data) throws IOException {
            if (k == kind && --left == 0) {
                throw new IOException("simulated crash before saving " + k);
            }
            inner.save(k, name, data);
        }
    }
}
