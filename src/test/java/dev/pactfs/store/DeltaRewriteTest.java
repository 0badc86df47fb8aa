package dev.pactfs.store;

import static dev.pactfs.store.DeltaStoreTest.edited;
import static dev.pactfs.store.DeltaStoreTest.lines;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeltaRewriteTest {

    @TempDir
    Path dir;

    StoreFixture f;

    @BeforeEach
    void open() throws IOException {
        f = StoreFixture.create(dir);
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    private FeatureIndex.DeltaRow deltaRow(ChunkId id) throws IOException {
        return f.catalog.transaction(tx -> FeatureIndex.findDelta(tx, id));
    }

    @Test
    void the_rule_rewrites_only_when_the_full_copies_cost_less_than_base_plus_deltas() {
        assertTrue(DeltaRewrite.pays(100_000, 2_000, 101_000), "one delta: full copy < base + delta");
        assertFalse(DeltaRewrite.pays(100_000, 6_000, 300_000), "three deltas: three full copies cost more");
        assertFalse(DeltaRewrite.pays(100_000, 2_000, 102_000), "a tie frees nothing: keep");
    }

    /** A base (file 1) and {@code n} deltas of it (files 2..n+1); then file 1 is dropped. Returns base, deltas. */
    private List<ChunkId> baseOnlyUsedByDeltas(long seed, int n, List<byte[]> contents) throws IOException {
        byte[] base = lines(seed, 300_000);
        ChunkId b = f.store.put(base);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        List<ChunkId> ids = new ArrayList<>(List.of(b));
        for (int i = 0; i < n; i++) {
            byte[] next = edited(base, seed * 100 + i, 30);
            ChunkId d = f.store.put(next, b);
            f.commitFile(2 + i, List.of(new ChunkRef(d, next.length)));
            assertNotNull(deltaRow(d), "stored as a delta");
            ids.add(d);
            contents.add(next);
        }
        f.commitFile(1, List.of()); // the base is now referenced only through the deltas' edges
        return ids;
    }

    @Test
    void a_base_only_a_single_delta_uses_is_released_by_rewriting_the_delta_in_full() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<ChunkId> ids = baseOnlyUsedByDeltas(1, 1, contents);
        ChunkId b = ids.get(0);
        ChunkId d = ids.get(1);
        long deltaStored = f.catalog.transaction(tx -> ChunkIndex.find(tx, d)).storedSize();
        ChunkStore.GcStats gc = f.store.collectGarbage();
        assertEquals(1, gc.deltasRewritten());
        assertEquals(1, gc.chunksFreed(), "the base");
        assertFalse(f.store.contains(b), "the base is gone");
        assertNull(deltaRow(d), "no longer a delta (neither a delta_chunks row nor an edge)");
        ChunkIndex.Entry full = f.catalog.transaction(tx -> ChunkIndex.find(tx, d));
        assertTrue(full.storedSize() > deltaStored * 10, "stored in full now: " + full.storedSize());
        assertEquals(1, full.refcount());
        ChunkStore.CheckReport c = f.store.check(true);
        assertTrue(c.clean(), c.problems().toString());
        f = f.reopen(); // empty cache: read from the pack, without any base
        assertArrayEquals(contents.get(0), f.store.get(d));
        // It is a full chunk now, so it is a base for the next version.
        byte[] v3 = edited(contents.get(0), 77, 20);
        ChunkId d3 = f.store.put(v3);
        f.commitFile(9, List.of(new ChunkRef(d3, v3.length)));
        assertEquals(d, deltaRow(d3).base(), "the rewritten chunk is in the feature index");
        assertTrue(f.store.check(true).clean());
    }

    @Test
    void a_base_many_deltas_share_is_kept_because_full_copies_would_cost_more() throws IOException {
        List<byte[]> contents = new ArrayList<>();
        List<ChunkId> ids = baseOnlyUsedByDeltas(2, 3, contents);
        ChunkStore.GcStats gc = f.store.collectGarbage();
        assertEquals(0, gc.deltasRewritten());
        assertEquals(0, gc.chunksFreed());
        assertTrue(f.store.contains(ids.get(0)), "the base is kept for its deltas");
        for (int i = 1; i < ids.size(); i++) {
            assertEquals(ids.get(0), deltaRow(ids.get(i)).base());
        }
        f = f.reopen();
        for (int i = 1; i < ids.size(); i++) {
            assertArrayEquals(contents.get(i - 1), f.store.get(ids.get(i)));
        }
        assertTrue(f.store.check(true).clean());
    }

    @Test
    void a_base_a_file_still_uses_is_never_a_candidate() throws IOException {
        byte[] base = lines(3, 300_000);
        ChunkId b = f.store.put(base);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        byte[] next = edited(base, 4, 30);
        ChunkId d = f.store.put(next, b);
        f.commitFile(2, List.of(new ChunkRef(d, next.length)));
        assertTrue(f.catalog.transaction(DeltaRewrite::candidates).isEmpty());
        assertEquals(0, f.store.collectGarbage().deltasRewritten());
        assertEquals(b, deltaRow(d).base());
    }
}
