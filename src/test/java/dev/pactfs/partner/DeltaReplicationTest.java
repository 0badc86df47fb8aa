package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.DeltaStoreTest;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import dev.pactfs.store.TestSql;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeltaReplicationTest {

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

    StoreFixture recover(Path into) throws IOException {
        StoreFixture st = StoreFixture.open(Files.createDirectories(into), f.keys);
        Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        List<String> problems = new ArrayList<>();
        Set<ChunkId> lost = Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, problems);
        assertTrue(lost.isEmpty() && problems.isEmpty(), problems.toString());
        return st;
    }

    static Map<String, byte[]> nights(byte[] dump) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("db.sql", dump);
        return m;
    }

    /** Delta chunks (file chunks with an edge to a base) in a catalog. */
    static List<ChunkId> deltaChunks(StoreFixture s) throws IOException {
        return s.catalog.transaction(DeltaStoreTest::deltaChunks);
    }

    /** Night 1: a dump; night 2: the same dump with a few edits (stored as deltas). Returns both versions. */
    byte[][] twoNights(long seed) throws IOException {
        byte[] v1 = DeltaStoreTest.lines(seed, 400_000);
        byte[] v2 = DeltaStoreTest.edited(v1, seed + 1, 30);
        f.snapshot("night-1", nights(v1));
        f.snapshot("night-2", nights(v2));
        return new byte[][] {v1, v2};
    }

    /** Forgets night-1, whose chunks are the bases of night-2's deltas. */
    void forgetNight1() throws IOException {
        f.s.catalog.transaction(tx -> {
            PartnerCatalog.SnapshotRow row = PartnerCatalog.allSnapshots(tx).get(0);
            assertEquals("night-1", row.name());
            BlobGraph.adjustRefcounts(tx, Map.of(row.root(), -1L));
            TestSql.deleteSnapshot(tx, row.id());
            return null;
        });
    }

    /**
     * An index file whose delta edge is wrong (written by a buggy home, or any lie the key still opens): the edge
     * is taken from the frame when the payload arrives, so collecting the older night cannot free the base the
     * delta really decodes against.
     */
    @Test
    void a_wrong_delta_edge_from_an_index_file_is_taken_from_the_frame_when_the_payload_arrives() throws IOException {
        byte[][] v = twoNights(7);
        f.replicator(f.target(), 256 * 1024).runPass();
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertTrue(r.problems().isEmpty(), r.problems().toString());
            ChunkId delta = deltaChunks(st).get(0);
            ChunkId base = st.catalog.transaction(tx -> PartnerCatalog.children(tx, delta))
                    .keySet().iterator().next();
            // Another chunk of night 2, which night 2 keeps alive anyway: the lie moves the base's reference there.
            ChunkId other = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx,
                    topListingFile(f, "night-2"))).keySet().stream()
                    .filter(c -> !c.equals(delta) && !c.equals(base)).findFirst().orElseThrow();
            st.catalog.transaction(tx -> {
                BlobGraph.replaceChildren(tx, delta, Map.of(other, 1));
                BlobGraph.adjustRefcounts(tx, Map.of(base, -1L, other, 1L));
                return null;
            });
            List<String> problems = new ArrayList<>();
            assertTrue(Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, problems).isEmpty(), problems.toString());
            assertEquals(Map.of(base, 1), st.catalog.transaction(tx -> PartnerCatalog.children(tx, delta)));
            st.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "night-1"), System.currentTimeMillis()));
            st.store.collectGarbage();
            assertArrayEquals(v[1], PartnerFixture.restore(st, "night-2").get("db.sql"));
            ChunkStore.CheckReport c = st.store.check(true);
            assertTrue(c.clean(), c.problems().toString());
        }
    }

    /** The listing tree of snapshot {@code name} (the only subtree of its top tree): it references the files' chunks. */
    private static ChunkId topListingFile(PartnerFixture f, String name) throws IOException {
        ChunkId top = f.s.catalog.transaction(tx -> Snapshots.byName(tx, name)).root();
        return f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, top)).keySet().iterator().next();
    }

    @Test
    void delta_chunks_round_trip_byte_exact_through_replicate_recover_and_restore() throws IOException {
        byte[][] v = twoNights(1);
        byte[] v1 = v[0];
        byte[] v2 = v[1];
        ChunkStore.StoreStats stats = f.s.store.stats();
        assertTrue(stats.deltasNew() > 0, "night-2 stored as deltas: " + stats);
        List<ChunkId> deltas = deltaChunks(f.s);
        assertEquals(stats.deltasNew(), deltas.size());
        f.replicator(f.target(), 256 * 1024).runPass();
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
        try (StoreFixture st = recover(tmp.resolve("recovered"))) {
            assertEquals(Set.copyOf(deltas), Set.copyOf(deltaChunks(st)),
                    "recover rebuilt every delta -> base edge from the partner's index files");
            assertArrayEquals(v1, PartnerFixture.restore(st, "night-1").get("db.sql"));
            assertArrayEquals(v2, PartnerFixture.restore(st, "night-2").get("db.sql"));
            ChunkStore.CheckReport c = st.store.check(true);
            assertTrue(c.clean(), c.problems().toString());
        }
    }

    @Test
    void forgetting_the_snapshot_that_holds_the_bases_keeps_them_at_home_and_at_the_partner() throws IOException {
        byte[][] v = twoNights(3);
        byte[] v1 = v[0];
        byte[] v2 = v[1];
        assertFalse(deltaChunks(f.s).isEmpty());
        Replicator rep = f.replicator(f.target(), 10 << 20);
        rep.runPass();
        forgetNight1();
        f.s.store.collectGarbage();
        assertTrue(f.s.store.check(true).clean(), f.s.store.check(true).problems().toString());
        rep.prune(0.99);
        assertArrayEquals(v2, PartnerFixture.restore(f.s, "night-2").get("db.sql"));
        try (StoreFixture st = recover(tmp.resolve("rec"))) {
            assertArrayEquals(v2, PartnerFixture.restore(st, "night-2").get("db.sql"));
            assertTrue(st.store.check(true).clean());
        }
    }

    @Test
    void deltas_rewritten_in_full_at_home_reach_the_partner_before_their_old_form_and_base_leave_it() throws IOException {
        byte[][] v = twoNights(5);
        byte[] v1 = v[0];
        byte[] v2 = v[1];
        List<ChunkId> deltas = deltaChunks(f.s);
        assertFalse(deltas.isEmpty());
        Replicator rep = f.replicator(f.target(), 10 << 20);
        rep.runPass();
        forgetNight1();
        // Night-1's chunks are now used only by night-2's deltas: each delta is rewritten in full, its base freed.
        ChunkStore.GcStats gc = f.s.store.collectGarbage();
        assertEquals(deltas.size(), gc.deltasRewritten(), gc.toString());
        assertTrue(deltaChunks(f.s).isEmpty());
        assertTrue(f.s.store.check(true).clean(), f.s.store.check(true).problems().toString());
        // Partner prune before the new forms are replicated: the packs of the old forms and bases stay.
        rep.prune(0.99);
        try (StoreFixture st = recover(tmp.resolve("rec-before"))) {
            assertArrayEquals(v2, PartnerFixture.restore(st, "night-2").get("db.sql"));
            assertEquals(Set.copyOf(deltas), Set.copyOf(deltaChunks(st)), "the partner still holds the delta forms");
        }
        // Replicate the full forms, prune again: the old forms and the bases leave the partner.
        assertEquals(deltas.size(), rep.runPass().blobs(), "exactly the rewritten blobs are shipped again");
        // Through the replicator, as the daemon and `prune` do: it publishes the manifest of the pruned copy, which
        // scrub-hosted below compares the copy with.
        PartnerPrune.Result pr = rep.prune(0.5);
        assertTrue(pr.packsRepacked() + pr.packsDeleted() > 0, pr.toString());
        assertTrue(f.s.catalog.transaction(dev.pactfs.store.PartnerHolds::all).isEmpty(), "holds released");
        try (StoreFixture st = recover(tmp.resolve("rec-after"))) {
            assertArrayEquals(v2, PartnerFixture.restore(st, "night-2").get("db.sql"));
            assertTrue(deltaChunks(st).isEmpty(), "the partner holds only the full forms now");
            assertTrue(st.store.check(true).clean(), st.store.check(true).problems().toString());
        }
        assertTrue(HostedScrub.scrub(f.partnerDir, l -> { }).clean());
    }

    @Test
    void after_recover_deltas_keep_their_bookkeeping_and_new_versions_of_recovered_chunks_are_stored_as_deltas()
            throws IOException {
        byte[][] v = twoNights(7);
        byte[] v1 = v[0];
        byte[] v2 = v[1];
        java.util.Map<ChunkId, ChunkId> deltas = f.s.catalog.transaction(DeltaStoreTest::deltaRows);
        assertFalse(deltas.isEmpty());
        List<ChunkId> fullAtHome = f.s.catalog.transaction(DeltaStoreTest::indexedFullChunks);
        f.replicator(f.target(), 10 << 20).runPass();
        try (StoreFixture st = recover(tmp.resolve("rec"))) {
            assertEquals(deltas, st.catalog.transaction(DeltaStoreTest::deltaRows), "delta rows rebuilt");
            List<ChunkId> full = st.catalog.transaction(DeltaStoreTest::indexedFullChunks);
            assertEquals(Set.copyOf(fullAtHome), Set.copyOf(full), "super-features of the recovered full chunks");
            // A slightly modified version of a recovered chunk, without any hint: found through the index.
            ChunkId base = full.get(0);
            byte[] next = DeltaStoreTest.edited(st.store.get(base), 9, 10);
            ChunkId d = st.store.put(next);
            assertEquals(1, st.store.stats().deltasNew(), "stored as a delta");
            assertEquals(base, st.catalog.transaction(DeltaStoreTest::deltaRows).get(d));
            st.store.unpin(List.of(d));
            assertArrayEquals(next, st.store.get(d));
        }
    }
}
