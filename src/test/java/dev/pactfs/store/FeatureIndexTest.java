package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The similarity index on its own: chunk rows and super-features made up, no payloads. */
@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FeatureIndexTest {

    @TempDir
    Path dir;

    Catalog catalog;

    @BeforeEach
    void open() throws IOException {
        catalog = Catalog.open(dir, true);
    }

    @AfterEach
    void close() throws IOException {
        catalog.close();
    }

    static ChunkId id(SplittableRandom r) {
        byte[] b = new byte[32];
        r.nextBytes(b);
        return ChunkId.of(b);
    }

    /** Super-features as SuperFeatures makes them: group index in bits 60-61. */
    static long[] sf(SplittableRandom r) {
        long[] sf = new long[SuperFeatures.SUPER_FEATURES];
        for (int s = 0; s < sf.length; s++) {
            sf[s] = (r.nextLong() & 0x0FFF_FFFF_FFFF_FFFFL) | ((long) s << 60);
        }
        return sf;
    }

    /** A chunk row: local ({@code packId} set) or evicted, created at {@code createdMs}. */
    static void chunkRow(Tx tx, ChunkId id, Long packId, long createdMs) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO chunks (id, kind, plain_size, stored_size, refcount, pack_id, pack_offset, created_ms)"
                        + " VALUES (?, 1, 100000, 50000, 1, ?, 0, ?)")) {
            ps.setBytes(1, id.toBytes());
            ps.setObject(2, packId);
            ps.setLong(3, createdMs);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    static void sql(Tx tx, String sql, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(sql)) {
            ps.setBytes(1, id.toBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    /** FeatureIndex.findBase through the statements the chunk store prepares. */
    static ChunkId findBase(Catalog catalog, long[] sf) throws IOException {
        try (Connection c = catalog.readConnection();
             PreparedStatement runs = c.prepareStatement(FeatureIndex.RUNS_SQL);
             PreparedStatement byPrefix = c.prepareStatement(FeatureIndex.BY_PREFIX_SQL)) {
            return FeatureIndex.findBase(runs, byPrefix, sf);
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    /** Local chunk rows for {@code features}' chunks and their entries, in one transaction as the store's flush. */
    static void indexNew(Catalog catalog, Map<ChunkId, long[]> features) throws IOException {
        catalog.transaction(tx -> {
            for (ChunkId id : features.keySet()) {
                chunkRow(tx, id, 1L, 1000);
            }
            FeatureIndex.insertNew(tx, features, List.of());
            return null;
        });
    }

    private void index(ChunkId id, long[] sf) throws IOException {
        catalog.transaction(tx -> {
            FeatureIndex.insert(tx, id, sf);
            return null;
        });
    }

    @Test
    void the_base_is_the_local_chunk_sharing_most_super_features_and_the_newest_on_ties() throws IOException {
        SplittableRandom r = new SplittableRandom(1);
        long[] q = sf(r);
        ChunkId older = id(r);
        ChunkId newer = id(r);
        ChunkId evicted = id(r);
        ChunkId one = id(r);
        catalog.transaction(tx -> {
            chunkRow(tx, older, 1L, 1000);
            chunkRow(tx, newer, 1L, 2000);
            chunkRow(tx, evicted, null, 3000);
            chunkRow(tx, one, 1L, 4000);
            return null;
        });
        long[] other = sf(r);
        index(older, new long[] {q[0], q[1], other[2]});
        index(newer, new long[] {other[0], q[1], q[2]});
        index(evicted, q.clone()); // shares all three, but its payload is not here
        index(one, new long[] {q[0], other[1], sf(r)[2]});
        assertEquals(newer, findBase(catalog, q), "two shared, newest of the two");
        catalog.transaction(tx -> {
            sql(tx, "UPDATE chunks SET pack_id = NULL WHERE id = ?", newer);
            return null;
        });
        assertEquals(older, findBase(catalog, q));
        catalog.transaction(tx -> {
            sql(tx, "UPDATE chunks SET pack_id = NULL WHERE id = ?", older);
            return null;
        });
        assertEquals(one, findBase(catalog, q), "one shared super-feature is enough");
        assertNull(findBase(catalog, sf(r)));
    }

    @Test
    void thousands_of_chunks_split_into_runs_and_each_is_found_by_its_own_features() throws IOException {
        SplittableRandom r = new SplittableRandom(2);
        Map<ChunkId, long[]> all = new LinkedHashMap<>();
        for (int batch = 0; batch < 40; batch++) {
            Map<ChunkId, long[]> features = new LinkedHashMap<>();
            for (int i = 0; i < 128; i++) {
                features.put(id(r), sf(r));
            }
            indexNew(catalog, features);
            all.putAll(features);
        }
        var runs = catalog.transaction(DeltaStoreTest::featureRuns);
        assertEquals(3L * all.size(), runs.values().stream().mapToLong(FeatureRun::size).sum());
        assertTrue(runs.size() > all.size() * 3 / FeatureRun.MAX_ENTRIES, runs.size() + " runs");
        assertTrue(runs.values().stream().allMatch(run -> run.size() <= FeatureRun.MAX_ENTRIES));
        assertTrue(runs.values().stream().mapToLong(FeatureRun::size).average().orElse(0) > FeatureRun.MAX_ENTRIES / 2.0,
                "runs are kept well filled");
        for (Map.Entry<ChunkId, long[]> e : all.entrySet()) {
            assertEquals(e.getKey(), findBase(catalog, e.getValue()));
        }
        // Indexing again adds nothing (recover's rebuild may run over chunks already indexed).
        List<ChunkId> some = new ArrayList<>(all.keySet()).subList(0, 100);
        Map<ChunkId, long[]> again = new LinkedHashMap<>();
        some.forEach(id -> again.put(id, all.get(id)));
        assertEquals(0, (int) catalog.transaction(tx -> {
            try {
                return FeatureIndex.index(tx, again).size();
            } catch (SQLException e) {
                throw new IOException(e);
            }
        }));
        assertEquals(3L * all.size(), catalog.transaction(DeltaStoreTest::featureEntries));
    }

    @Test
    void concurrent_writers_lose_no_entries() throws Exception {
        // Without the writer lock, two transactions rewriting the same run would each write back their own copy.
        List<Map<ChunkId, long[]>> batches = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(6);
        for (int b = 0; b < 40; b++) {
            Map<ChunkId, long[]> features = new LinkedHashMap<>();
            for (int i = 0; i < 64; i++) {
                features.put(id(r), sf(r));
            }
            batches.add(features);
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (Map<ChunkId, long[]> features : batches) {
                done.add(pool.submit(() -> {
                    indexNew(catalog, features);
                    return null;
                }));
            }
            for (var d : done) {
                d.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(3L * 64 * batches.size(), catalog.transaction(DeltaStoreTest::featureEntries));
        for (Map<ChunkId, long[]> features : batches) {
            for (Map.Entry<ChunkId, long[]> e : features.entrySet()) {
                assertEquals(e.getKey(), findBase(catalog, e.getValue()));
            }
        }
    }

    @Test
    void sweep_drops_the_entries_of_freed_chunks_only() throws IOException {
        SplittableRandom r = new SplittableRandom(3);
        Map<ChunkId, long[]> features = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            features.put(id(r), sf(r));
        }
        indexNew(catalog, features);
        List<ChunkId> ids = new ArrayList<>(features.keySet());
        List<ChunkId> freed = ids.subList(0, 700);
        catalog.transaction(tx -> {
            for (ChunkId id : freed) {
                sql(tx, "DELETE FROM chunks WHERE id = ?", id);
            }
            return null;
        });
        assertEquals(3 * 700, catalog.transaction(FeatureIndex::sweep));
        assertEquals(3L * 300, catalog.transaction(DeltaStoreTest::featureEntries));
        for (ChunkId id : ids) {
            assertEquals(freed.contains(id) ? null : id, findBase(catalog, features.get(id)));
        }
        catalog.transaction(tx -> {
            for (ChunkId id : ids.subList(700, 1000)) {
                sql(tx, "DELETE FROM chunks WHERE id = ?", id);
            }
            return null;
        });
        assertEquals(3 * 300, catalog.transaction(FeatureIndex::sweep));
        assertEquals(0, catalog.transaction(DeltaStoreTest::featureRuns).size(), "empty runs are deleted");
        // And an empty index takes new entries again.
        ChunkId fresh = id(r);
        long[] sf = sf(r);
        catalog.transaction(tx -> {
            chunkRow(tx, fresh, 1L, 1000);
            return null;
        });
        index(fresh, sf);
        assertEquals(fresh, findBase(catalog, sf));
    }
}
