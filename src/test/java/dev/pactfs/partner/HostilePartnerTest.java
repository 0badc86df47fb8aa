package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partner that deletes, rolls back, replays and forges (issue 12, point 2): each is detected, reported with the
 * exact file, repaired from home where home still has the data, and never silently recovered as "not there".
 */
@Timeout(300)
class HostilePartnerTest {

    @TempDir
    Path tmp;

    private Path partner() {
        return tmp.resolve("partner");
    }

    private static CliRun.Result replicate(PartnerFixture f, Path key) {
        return CliRun.run("replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--once");
    }

    private CliRun.Result recover(Path key, String dir, String... more) {
        String[] args = Stream.concat(Stream.of("recover", "--partner", partner().toString(), "--repo",
                tmp.resolve(dir).toString(), "--key-file", key.toString()), Stream.of(more)).toArray(String[]::new);
        return CliRun.run(args);
    }

    /** Snapshot record files at the partner, by the snapshot name inside. */
    private static Map<String, String> recordFiles(PartnerFixture f) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        PartnerTarget t = f.target();
        for (String n : t.list(PartnerTarget.Kind.SNAPSHOT)) {
            SnapshotRecord r = SnapshotRecord.decode(MetaFiles.readSnapshot(f.keys.blobCipher(),
                    t.load(PartnerTarget.Kind.SNAPSHOT, n), n));
            out.put(r.name() + "@" + r.timeMs(), n);
        }
        return out;
    }

    private static String only(Map<String, String> m, String prefix) {
        List<String> hits = m.entrySet().stream().filter(e -> e.getKey().startsWith(prefix + "@")).map(Map.Entry::getValue).toList();
        assertEquals(1, hits.size(), m.toString());
        return hits.get(0);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path d = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(d);
                } else {
                    Files.copy(p, d, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static List<Path> manifests(PartnerFixture f) throws IOException {
        try (Stream<Path> s = Files.list(f.copyDir.resolve("manifests"))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".tmp-")).toList();
        }
    }

    @Test
    void aDeletedSnapshotRecordIsReportedAndResentAndRecoverWithoutHomeReportsItAsLost() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Map<String, Map<String, byte[]>> all = PartnerCliTest.seed(f, 2, 2, 20_000);
        CliRun.Result rep = replicate(f, key);
        assertEquals(0, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("published partner manifest 1"), rep.out());
        String night1 = only(recordFiles(f), "night-1");
        CliRun.Result scrub = CliRun.run("scrub-hosted", partner().toString());
        assertEquals(0, scrub.exit(), scrub.toString());
        Files.delete(f.copyDir.resolve("snapshots").resolve(night1));
        // The host cannot tell which file is gone (the list is sealed), only that the copy is short.
        scrub = CliRun.run("scrub-hosted", partner().toString());
        assertEquals(1, scrub.exit(), scrub.toString());
        assertTrue(scrub.out().contains("missing: " + f.copyDir + " holds "), scrub.out());
        assertTrue(scrub.out().contains(", its newest manifest (sequence 1) names "), scrub.out());

        // Home gone: recover names the loss and exits 1; the other snapshot is recovered.
        CliRun.Result rec = recover(key, "lost");
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("=== partner manifest: sequence 1,"), rec.out());
        assertTrue(rec.out().contains("LOST: snapshot record " + night1 + " (snapshot night-1 of "), rec.out());
        assertTrue(rec.out().contains("is missing at the partner (named by manifest 1)"), rec.out());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("lost"), f.keys)) {
            assertEquals(List.of("night-2"), st.catalog.transaction(PartnerCatalog::allSnapshots).stream()
                    .map(PartnerCatalog.SnapshotRow::name).toList());
        }

        // Home still there: the next pass reports it, exits 1 and re-sends it; the one after matches.
        rep = replicate(f, key);
        assertEquals(1, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("partner: snapshot record " + night1 + " (night-1) is missing at the partner: re-published"),
                rep.out());
        assertTrue(rep.out().contains("1 snapshot records"), rep.out());
        assertTrue(rep.err().contains("did not match home's records: 1 problems (repaired from home's copy)"), rep.err());
        CliRun.Result st = CliRun.run("status", "--repo", f.repoDir.toString(), "--key-file", key.toString());
        assertTrue(st.out().contains("partner check:  1 problems: snapshot record " + night1), st.out());
        rep = replicate(f, key);
        assertEquals(0, rep.exit(), rep.toString());
        st = CliRun.run("status", "--repo", f.repoDir.toString(), "--key-file", key.toString());
        assertTrue(st.out().contains("partner check:  ok") && st.out().contains("manifest:       sequence 2"), st.out());
        CliRun.Result audit = CliRun.run("audit", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--sample", "100");
        assertEquals(0, audit.exit(), audit.toString());
        assertTrue(audit.out().contains("listed the partner copy: all match (manifest sequence 2)"), audit.out());
        rec = recover(key, "whole");
        assertEquals(0, rec.exit(), rec.toString());
        PartnerCliTest.assertRecovered(f, tmp.resolve("whole"), all);
    }

    @Test
    void anOlderCompleteCopyIsARollbackThatReplicateReportsAndRecoverRefusesWithExpectSeq() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        PartnerCliTest.seed(f, 1, 2, 20_000);
        assertEquals(0, replicate(f, key).exit());
        Path old = tmp.resolve("old-copy");
        copyTree(f.copyDir, old);
        f.s = StoreFixture.open(f.repoDir, f.keys);
        f.snapshot("night-2", PartnerFixture.night(2, 7, 2, 20_000));
        f.close();
        CliRun.Result rep = replicate(f, key);
        assertEquals(0, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("published partner manifest 2"), rep.out());
        // The partner serves the older, complete, validly signed copy.
        deleteTree(f.copyDir);
        copyTree(old, f.copyDir);

        CliRun.Result rec = recover(key, "refused", "--expect-seq", "2");
        assertEquals(1, rec.exit(), rec.toString());
        assertEquals("pactfs: partner copy is older than expected: its newest manifest is sequence 1 of ", rec.err().substring(0, 82));
        assertTrue(rec.err().trim().endsWith(", --expect-seq 2: refusing (rolled back?)"), rec.err());
        assertFalse(Files.exists(tmp.resolve("refused")));
        rec = recover(key, "older");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.out().startsWith("=== partner manifest: sequence 1, written "), rec.out());

        rep = replicate(f, key);
        assertEquals(1, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("partner: partner copy ROLLED BACK: its newest manifest is sequence 1 of "), rep.out());
        assertTrue(rep.out().contains("home wrote sequence 2"), rep.out());
        assertTrue(rep.out().contains("(night-2) is missing at the partner: re-published"), rep.out());
        assertTrue(rep.out().contains("published partner manifest 3"), rep.out());
        assertEquals(0, replicate(f, key).exit());
        rec = recover(key, "current", "--expect-seq", "3");
        assertEquals(0, rec.exit(), rec.toString());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("current"), f.keys)) {
            assertEquals(2, PartnerFixture.restore(st, "night-2").size());
        }
        // The recovered repo is the new home: it continues the manifest chain it recovered, no fork, no problem.
        rep = CliRun.run("replicate", "--repo", tmp.resolve("current").toString(), "--key-file", key.toString(), "--once");
        assertEquals(0, rep.exit(), rep.toString());
        assertFalse(rep.out().contains("partner:"), rep.out());
    }

    @Test
    void anOldRecordReplayedUnderAReusedNameDoesNotWin() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        Map<String, byte[]> a = PartnerFixture.night(1, 1, 1, 5_000);
        f.snapshot("daily", a);
        rep.runPass();
        String oldFile = only(recordFiles(f), "daily");
        byte[] oldRecord = Files.readAllBytes(f.copyDir.resolve("snapshots").resolve(oldFile));
        f.s.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "daily"), System.currentTimeMillis()));
        rep.pruneListener(0.0).pruned(f.s.catalog.transaction(Snapshots::forgotten), null);
        assertFalse(Files.exists(f.copyDir.resolve("snapshots").resolve(oldFile)));
        Thread.sleep(5);
        Map<String, byte[]> b = PartnerFixture.night(2, 2, 1, 5_000);
        f.snapshot("daily", b);
        assertTrue(rep.runPass().partnerMatched());
        Files.write(f.copyDir.resolve("snapshots").resolve(oldFile), oldRecord); // the replay
        f.close();

        CliRun.Result rec = recover(key, "r");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("ignored 1 snapshot records the manifest does not list"), rec.out());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r"), f.keys)) {
            Map<String, byte[]> got = PartnerFixture.restore(st, "daily");
            assertEquals(b.keySet(), got.keySet());
            for (String k : b.keySet()) {
                assertArrayEquals(b.get(k), got.get(k));
            }
        }
        CliRun.Result audit = CliRun.run("audit", "--repo", f.repoDir.toString(), "--key-file", key.toString());
        assertEquals(1, audit.exit(), audit.toString());
        assertTrue(audit.out().contains("unexpected: snapshot " + oldFile + " (home did not publish it"), audit.out());
    }

    @Test
    void aDeletedPackIsReportedAndResentAndEvictionWaitsUntilTheCopyIsProven() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Replicator rep = f.replicator(f.target(), 1 << 20);
        Map<String, byte[]> files = PartnerFixture.night(1, 3, 3, 30_000);
        f.snapshot("night-1", files);
        Replicator.PassResult first = rep.runPass();
        assertTrue(first.partnerMatched());
        assertEquals(1, first.manifestSeq());
        String pack = f.target().list(PartnerTarget.Kind.PACK).get(0);
        int blobsInPack = f.s.catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, java.util.HexFormat.of().parseHex(pack))).size();
        f.target().delete(PartnerTarget.Kind.PACK, pack);

        Replicator.PassResult second = rep.runPass();
        assertFalse(second.partnerMatched());
        assertEquals(List.of("pack " + pack + " is missing at the partner: " + blobsInPack + " blobs to re-send from home"),
                second.partnerProblems());
        assertEquals(blobsInPack, second.blobs()); // re-sent in the same pass
        assertEquals(2, second.manifestSeq());
        // The last check found the copy short: nothing is evicted until a pass proves it whole again.
        assertEquals(0, CacheLimit.enforce(f.s.store, 1));
        Replicator.PassResult third = rep.runPass();
        assertTrue(third.partnerMatched(), third.partnerProblems().toString());
        assertEquals(0, third.manifestSeq()); // nothing changed: no manifest
        f.s.store.setRemoteFetcher(new PartnerFetcher(f.s.catalog, f.target()));
        long evicted = CacheLimit.enforce(f.s.store, 1);
        assertTrue(evicted >= blobsInPack, "evicted " + evicted);
        Map<String, byte[]> got = PartnerFixture.restore(f.s, "night-1"); // from the partner now
        for (String k : files.keySet()) {
            assertArrayEquals(files.get(k), got.get(k));
        }
        // Gone again after eviction: the blobs are reported lost, not silently re-sent from nowhere.
        String pack2 = f.target().list(PartnerTarget.Kind.PACK).get(0);
        f.target().delete(PartnerTarget.Kind.PACK, pack2);
        Replicator.PassResult fourth = rep.runPass();
        assertTrue(fourth.lostBlobs() > 0);
        assertTrue(fourth.partnerProblems().get(0).startsWith("pack " + pack2 + " is missing at the partner: 0 blobs to re-send from home, "),
                fourth.partnerProblems().toString());
        assertTrue(fourth.partnerProblems().get(0).endsWith(" LOST (no copy left at home)"), fourth.partnerProblems().toString());
        f.close();
    }

    @Test
    void aForgedOrTamperedManifestIsRejected() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        f.snapshot("night-1", PartnerFixture.night(1, 1, 1, 5_000));
        rep.runPass();
        // Another key signs a "newer" manifest claiming an empty copy.
        ManifestKey other = RepoKeys.derive(MasterKey.generate()).manifestKey();
        Manifest.Built forged = Manifest.write(f.keys.blobCipher(), other, new SecureRandom(), f.repoId, 99,
                System.currentTimeMillis(), Manifest.NO_PREV, Manifest.root(List.of()), 0, 0,
                new Manifest.Body(Manifest.CHECKPOINT, List.of(), List.of(), List.of(), List.of()));
        f.target().save(PartnerTarget.Kind.MANIFEST, forged.name(), forged.bytes());
        // Ours, with its sequence number changed to 50 (the signature no longer matches).
        byte[] real = Files.readAllBytes(manifests(f).stream().filter(p -> !p.getFileName().toString().equals(forged.name()))
                .findFirst().orElseThrow());
        int seqAt = Envelope.HEADER + 4 + 2 + 2 + f.repoId.length();
        assertEquals(1, ByteBuffer.wrap(real, seqAt, 8).getLong());
        ByteBuffer.wrap(real, seqAt, 8).putLong(50);
        fixCrc(real);
        String tampered = Envelope.nameOf(real);
        f.target().save(PartnerTarget.Kind.MANIFEST, tampered, real);

        Replicator.PassResult r = rep.runPass();
        assertEquals(List.of("manifest rejected: manifests/" + forged.name() + ": signed by another key (not this repository's)"
                        + ": deleted",
                "manifest rejected: manifests/" + tampered + ": signature does not verify (forged or damaged): deleted"),
                r.partnerProblems().stream().sorted(Comparator.comparing(p -> p.contains("another key") ? 0 : 1)).toList());
        assertTrue(rep.runPass().partnerMatched());
        // Planted again after that pass: recover warns and reads the real one.
        f.target().save(PartnerTarget.Kind.MANIFEST, forged.name(), forged.bytes());
        f.close();
        CliRun.Result rec = recover(key, "r");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("=== partner manifest: sequence 1, written"), rec.out());
        assertTrue(rec.err().contains("warning: manifest rejected: manifests/" + forged.name() + ": signed by another key"), rec.err());
    }

    private static void fixCrc(byte[] file) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file, 0, file.length - Envelope.FOOTER);
        ByteBuffer.wrap(file, file.length - 4, 4).putInt((int) crc.getValue());
    }

    @Test
    void twoHomesWritingOneCopyAreAForkThatIsReportedNotMerged() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        f.snapshot("night-1", PartnerFixture.night(1, 1, 1, 5_000));
        f.replicator(f.target(), Replicator.Options.defaults()).runPass();
        f.close();
        Path repoB = tmp.resolve("repo-b");
        copyTree(f.repoDir, repoB);
        Path copyB = tmp.resolve("partner-b").resolve(f.copyDir.getFileName().toString());
        copyTree(f.copyDir, copyB);

        f.s = StoreFixture.open(f.repoDir, f.keys);
        f.snapshot("night-2a", PartnerFixture.night(2, 2, 1, 5_000));
        assertEquals(2, f.replicator(f.target(), Replicator.Options.defaults()).runPass().manifestSeq());
        f.close();
        f.s = StoreFixture.open(repoB, f.keys);
        f.snapshot("night-2b", PartnerFixture.night(3, 3, 1, 5_000));
        assertEquals(2, f.replicator(PartnerTargets.directory(copyB), Replicator.Options.defaults()).runPass().manifestSeq());
        f.close();
        Path seq2b;
        try (Stream<Path> s = Files.list(copyB.resolve("manifests"))) {
            seq2b = s.filter(p -> !Files.exists(f.copyDir.resolve("manifests").resolve(p.getFileName()))).findFirst().orElseThrow();
        }
        Files.copy(seq2b, f.copyDir.resolve("manifests").resolve(seq2b.getFileName())); // both write one copy

        f.s = StoreFixture.open(f.repoDir, f.keys);
        Replicator.PassResult r = f.replicator(f.target(), Replicator.Options.defaults()).runPass();
        assertEquals(1, r.partnerProblems().size(), r.partnerProblems().toString());
        assertTrue(r.partnerProblems().get(0).startsWith("two manifests with sequence number 2: "), r.partnerProblems().toString());
        assertEquals(0, r.manifestSeq()); // not merged: nothing published over a fork
        f.close();
        CliRun.Result rec = recover(key, "r");
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.err().startsWith("pactfs: partner copy at ") && rec.err().contains(" is forked (two homes writing one copy?):"
                + " two manifests with sequence number 2: "), rec.err());
        assertFalse(Files.exists(tmp.resolve("r")));
    }

    @Test
    void aPassAddingOnePackToACopyOfManyFilesWritesADeltaNotTheList() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Replicator rep = f.replicator(f.target(), 1); // one blob per pack: many packs and index files
        f.snapshot("night-1", PartnerFixture.night(1, 1, 150, 1_000));
        rep.runPass();
        List<Path> first = manifests(f);
        assertEquals(1, first.size());
        long full = Files.size(first.get(0));
        int objects = f.target().list(PartnerTarget.Kind.PACK).size() * 2 + 2; // packs, their indexes, R, S
        assertTrue(full > objects * Manifest.OBJ_BYTES, "checkpoint of " + objects + " files: " + full + " bytes");

        f.snapshot("night-2", Map.of("one-more-file", new byte[] {1, 2, 3}));
        Replicator.PassResult r = rep.runPass();
        assertEquals(2, r.manifestSeq());
        Path second = manifests(f).stream().filter(p -> !p.equals(first.get(0))).findFirst().orElseThrow();
        long delta = Files.size(second);
        assertTrue(delta < 1_000, "delta manifest of " + delta + " bytes (checkpoint: " + full + ")");
        // A reader rebuilds the set from the checkpoint and the delta and finds the copy whole.
        ManifestRecovery.Verdict v = ManifestRecovery.check(f.target(), f.keys.manifestKey(), f.keys.blobCipher());
        assertEquals(2, v.seq());
        assertEquals(List.of(), v.losses());
        assertEquals(objects + 7, v.objects().size()); // + 3 packs (a chunk, a listing, a top tree), 3 indexes, 1 record
        f.close();
    }

    @Test
    void aCopyWithoutManifestRecoversWithAWarningAndReplicateRepublishesACheckpoint() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Map<String, Map<String, byte[]>> all = PartnerCliTest.seed(f, 1, 2, 10_000);
        assertEquals(0, replicate(f, key).exit());
        for (Path m : manifests(f)) {
            Files.delete(m); // as a copy written before manifests, or one whose manifests were deleted
        }
        CliRun.Result rec = recover(key, "refused", "--expect-seq", "1");
        assertEquals(1, rec.exit(), rec.toString());
        assertEquals("pactfs: partner copy has no manifest, --expect-seq 1 wants sequence 1 or newer: refusing"
                + " (rolled back, or its manifests deleted?)", rec.err().trim());
        rec = recover(key, "unchecked");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.err().startsWith("WARNING: the partner copy has no manifest"), rec.err());
        PartnerCliTest.assertRecovered(f, tmp.resolve("unchecked"), all);

        CliRun.Result rep = replicate(f, key);
        assertEquals(1, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("partner: no manifest at the partner, home wrote sequence 1: the copy was rolled back"
                + " or its manifests deleted"), rep.out());
        assertTrue(rep.out().contains("published partner manifest 2"), rep.out());
        assertEquals(0, replicate(f, key).exit());
    }

    @Test
    void aManifestPublishedByAPassKilledBeforeRecordingItIsAdoptedNotCalledAFork() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        f.snapshot("night-1", PartnerFixture.night(1, 1, 1, 5_000));
        assertEquals(1, rep.runPass().manifestSeq());
        ManifestPublisher.Last before = ManifestPublisher.last(f.s.catalog);
        f.snapshot("night-2", PartnerFixture.night(2, 2, 1, 5_000));
        assertEquals(2, rep.runPass().manifestSeq());
        // Home as it was had the pass died between the manifest's save and its record.
        f.s.catalog.transaction(tx -> {
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_SEQ, "1");
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_NAME, before.name());
            return null;
        });
        Replicator.PassResult r = rep.runPass();
        assertEquals(List.of(), r.partnerProblems());
        assertEquals(2, ManifestPublisher.last(f.s.catalog).seq());
        f.close();
    }
}
