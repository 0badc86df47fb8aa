package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.snapshot.GraphCheck;
import dev.pactfs.store.Cancellation;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recovery and the reference-graph proof against what a damaged or hostile copy can do beyond one missing file
 * (cases found by an attacking review): a top tree in no index, an older record of a reused name, a partner that
 * stops answering during check --read-trees, a redundant copy of a blob in a missing pack, a lazy recovery of a
 * copy without one of its chunk packs.
 */
@Timeout(120)
class DamagedCopyEdgeCasesTest extends TwoReplicatedNights {

    /** A target whose reads fail as an unreachable share does (not "not found"). */
    static PartnerTarget down(PartnerTarget inner) {
        return new ForwardingTarget(inner) {
            @Override
            public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
                throw new IOException("connection timed out");
            }

            @Override
            public byte[] load(Kind kind, String name) throws IOException {
                throw new IOException("connection timed out");
            }
        };
    }

    /**
     * check --read-trees on a healthy repo whose trees were evicted, while the partner is unreachable: the check
     * ends with the outage as its cause, and neither marks the proven graph unproven nor calls any file lost (it
     * once did both, and advised forgetting every snapshot).
     */
    @Test
    void checkReadTreesWithThePartnerDownEndsWithItsCauseAndLeavesAProvenGraphProven() throws IOException {
        assertTrue(CacheLimit.enforce(f.s.store, 1) > 0, "evicted local copies (trees too)");
        assertNull(f.s.catalog.transaction(GraphProof::unproven));
        f.s.store.setRemoteFetcher(new PartnerFetcher(f.s.catalog, down(f.target())));
        IOException e = assertThrows(PartnerUnavailableException.class, () -> GraphCheck.run(f.s.store, true));
        assertTrue(e.getMessage().contains("connection timed out"), e.getMessage());
        assertNull(f.s.catalog.transaction(GraphProof::unproven),
                "a transient partner outage turned a proven catalog unproven");
        f.s.store.setRemoteFetcher(new PartnerFetcher(f.s.catalog, f.target()));
        GraphCheck.Result r = GraphCheck.run(f.s.store, true);
        assertTrue(r.clean(), r.toString());
    }

    /**
     * check --read-trees --repair run by the mount daemon for a client that was interrupted: it stops at the next
     * directory listing with the cancellation as its cause, and a proven graph it did not touch stays proven.
     */
    @Test
    void aCancelledRepairingCheckStopsAndLeavesAProvenGraphProven() throws Exception {
        assertNull(f.s.catalog.transaction(GraphProof::unproven));
        Cancellation c = new Cancellation("check");
        c.cancel();
        assertThrows(Cancellation.CancelledException.class, () -> c.call(() -> GraphCheck.run(f.s.store, true)));
        assertNull(f.s.catalog.transaction(GraphProof::unproven), "a cancelled check changed the proof");
        assertTrue(GraphCheck.run(f.s.store, true).clean(), "the next check runs to its end");
    }

    /**
     * The same blob in two partner packs (old delta form + new full form after DeltaRewrite, or a prune repack
     * killed before deleting the old pack): a copy in a missing pack must not hide the intact one, whatever order the
     * index files are listed in (the last one read once won, and the blob was declared lost).
     */
    @Test
    void aMissingRedundantCopyMustNotHideAnIntactOne() throws IOException {
        ChunkId victimTree = f.s.catalog.transaction(Snapshots::list).get(0).root();
        // any data chunk of "first"
        ChunkId listing = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, victimTree)).keySet().iterator().next();
        ChunkId x = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, listing)).keySet().iterator().next();
        PartnerCatalog.BlobRow row = f.s.catalog.transaction(tx -> PartnerCatalog.find(tx, x));
        byte[] sealed = f.s.store.readSealed(x);
        PackFile.Built dup = PackFile.build(f.keys.blobCipher(), List.of(new PackFile.Blob(x, row.kind(), row.plainSize(),
                sealed)), new SecureRandom());
        List<MetaFiles.IndexEntry> entries = new ArrayList<>();
        for (PackFile.Entry e : dup.entries()) {
            entries.add(new MetaFiles.IndexEntry(e.id(), e.kind(), e.offset(), e.length(), e.plainSize(), Map.of()));
        }
        MetaFiles.Built idx = MetaFiles.index(f.keys.blobCipher(), new SecureRandom(),
                new MetaFiles.Index(HexFormat.of().parseHex(dup.name()), dup.bytes().length, entries));
        // The pack file of the redundant copy is lost at the partner; its index file survives.
        f.target().save(PartnerTarget.Kind.INDEX, idx.name(), idx.bytes());
        // Directory order is the filesystem's: make the redundant copy's index the last one read.
        PartnerTarget ordered = new ForwardingTarget(f.target()) {
            @Override
            public List<String> list(Kind kind) throws IOException {
                List<String> l = new ArrayList<>(inner.list(kind));
                if (kind == Kind.INDEX) {
                    l.remove(idx.name());
                    l.add(idx.name());
                }
                return l;
            }
        };
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, ordered, f.keys.blobCipher());
            List<String> problems = new ArrayList<>();
            Set<ChunkId> lost = Recovery.fetchPayloads(st.store, ordered, (d, t) -> { }, problems);
            assertEquals(Set.of(), lost, "blob " + x.shortHex() + " declared lost; an intact copy is in its original pack");
        }
    }

    /**
     * recover --lazy (no payload fetch) of a copy missing a pack of file chunks names the files it takes (it once
     * counted a chunk as present when it had an index row, and said "0 files cannot be restored").
     */
    @Test
    void lazyRecoveryMustNameFilesOfAMissingChunkPack() throws IOException {
        String chunkOnly = null;
        for (PartnerCatalog.PartnerPack p : f.s.catalog.transaction(PartnerCatalog::packs)) {
            List<PartnerCatalog.PartnerLocationOf> in = f.s.catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, p.name()));
            if (in.stream().allMatch(b -> b.location().kind() == BlobType.CHUNK.code)) {
                chunkOnly = HexFormat.of().formatHex(p.name());
                break;
            }
        }
        assertTrue(chunkOnly != null);
        Files.delete(f.copyDir.resolve("packs").resolve(chunkOnly.substring(0, 2)).resolve(chunkOnly));
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertFalse(r.lostFiles().isEmpty(), "files whose chunks are in a missing pack are not named");
        }
    }

    /**
     * The newest record of a name wins, and the older one (forgotten, not yet pruned) is queued for partner prune:
     * once the recovered repo removes the name and prunes, a later recovery must not bring the snapshot back.
     */
    @Test
    void anIgnoredOlderRecordIsDeletedByTheNextPrune() throws Exception {
        f.s.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "first"), System.currentTimeMillis()));
        Thread.sleep(5);
        f.snapshot("first", PartnerFixture.night(3, 43, 2, 40_000));
        f.replicator(f.target(), 64 * 1024).runPass();
        // A pass deletes no record file, only prune does, behind GraphProof (decision 0008): the retired record
        // may be the only description of a snapshot whose replacement is unpublished or unproven, and the
        // manifest, which names only live records, already keeps a recovery from using it.
        assertEquals(3, f.target().list(PartnerTarget.Kind.SNAPSHOT).size(), "three records at the partner");
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, new ArrayList<>());
            // the user removes "first" in the recovered repo and prunes, at home and at the partner
            st.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "first"), System.currentTimeMillis()));
            st.store.collectGarbage();
            PartnerPrune.run(st.store, f.keys.blobCipher(), f.target(), 0.99, 64 * 1024, () -> ManifestPublisher
                    .publishChecked(st.catalog, f.keys.blobCipher(), f.keys.manifestKey(), f.target(), f.repoId));
        }
        try (StoreFixture st2 = StoreFixture.open(Files.createDirectories(tmp.resolve("rec2")), f.keys)) {
            Recovery.Result r2 = Recovery.rebuildCatalog(st2.store, f.target(), f.keys.blobCipher());
            List<String> names = st2.catalog.transaction(Snapshots::list).stream().map(Snapshots.Row::name).toList();
            assertEquals(List.of("second"), names, "a removed snapshot came back");
        }
    }

    /**
     * The pack holding a snapshot's top tree is lost together with its index file: the record names a root no
     * index knows. The recovery names "second:/" and recovers the rest (it once aborted as a whole).
     */
    @Test
    void aTopTreeInNoIndexMustNotAbortTheWholeRecovery() throws IOException {
        ChunkId secondTop = f.s.catalog.transaction(Snapshots::list).stream()
                .filter(s -> s.name().equals("second")).findFirst().orElseThrow().root();
        byte[] packName = f.s.catalog.transaction(tx -> PartnerCatalog.location(tx, secondTop)).pack();
        String pack = HexFormat.of().formatHex(packName);
        byte[] indexName = f.s.catalog.transaction(PartnerCatalog::packs).stream()
                .filter(p -> java.util.Arrays.equals(p.name(), packName)).findFirst().orElseThrow().indexName();
        Files.delete(f.copyDir.resolve("packs").resolve(pack.substring(0, 2)).resolve(pack));
        Files.delete(f.copyDir.resolve("index").resolve(HexFormat.of().formatHex(indexName)));
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertFalse(r.proven());
            assertTrue(r.lostFiles().stream().anyMatch(l -> l.startsWith("second:/")), r.lostFiles().toString());
        }
    }
}
