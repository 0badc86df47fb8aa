package dev.pactfs.store;

import static dev.pactfs.store.DeltaStoreTest.edited;
import static dev.pactfs.store.DeltaStoreTest.lines;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Migration 7: a catalog whose similarity index has migration 5's one-row-per-feature table. */
@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FeatureRunsMigrationTest {

    @TempDir
    Path dir;

    private Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:h2:file:" + dir.resolve(Catalog.DB_NAME).toAbsolutePath(), "pactfs", "");
    }

    /** Migration 5's rows for {@code features}. */
    static void insertOldRows(Connection c, Map<ChunkId, long[]> features) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO delta_features (sf, chunk_id) VALUES (?, ?)")) {
            for (Map.Entry<ChunkId, long[]> e : features.entrySet()) {
                for (long s : e.getValue()) {
                    ps.setLong(1, s);
                    ps.setBytes(2, e.getKey().toBytes());
                    ps.addBatch();
                }
            }
            ps.executeBatch();
        }
    }

    private static int version(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void an_old_repo_keeps_finding_its_bases_after_the_migration() throws IOException, SQLException {
        byte[] base = lines(21, 300_000);
        StoreFixture f = StoreFixture.create(dir);
        ChunkId b = f.store.put(base);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        f.close();
        // Turn the catalog back into schema 6: migration 5's table holding the base's super-features.
        try (Connection c = raw(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE delta_features");
            st.execute("DELETE FROM meta WHERE k = '" + FeatureIndex.WRITER_LOCK + "'");
            st.execute("DELETE FROM schema_version WHERE version > 6");
            for (String sql : DeltaTables.MIGRATION) {
                if (sql.contains("delta_features")) {
                    st.execute(sql);
                }
            }
            insertOldRows(c, Map.of(b, SuperFeatures.of(base)));
            assertEquals(6, version(st));
        }
        f = StoreFixture.open(dir, f.keys);
        try {
            assertEquals(Schema.CURRENT_VERSION, (int) f.catalog.transaction(tx -> {
                try (Statement st = tx.connection().createStatement()) {
                    return version(st);
                } catch (SQLException e) {
                    throw new IOException(e);
                }
            }));
            assertEquals(3, f.catalog.transaction(DeltaStoreTest::featureEntries));
            byte[] next = edited(base, 22, 20);
            ChunkId d = f.store.put(next);
            f.commitFile(2, List.of(new ChunkRef(d, next.length)));
            assertEquals(1, f.store.stats().deltasNew(), "the base was found through the converted index");
            assertEquals(b, f.catalog.transaction(DeltaStoreTest::deltaRows).get(d));
            assertArrayEquals(next, f.store.get(d));
        } finally {
            f.close();
        }
    }

    @Test
    void thousands_of_old_rows_are_packed_into_runs_and_all_found() throws IOException, SQLException {
        SplittableRandom r = new SplittableRandom(4);
        Map<ChunkId, long[]> features = new LinkedHashMap<>();
        for (int i = 0; i < 3000; i++) {
            features.put(FeatureIndexTest.id(r), FeatureIndexTest.sf(r));
        }
        try (Connection c = raw()) {
            c.setAutoCommit(false);
            Schema.migrate(c, 6);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO chunks (id, kind, plain_size, stored_size, refcount, pack_id, pack_offset, created_ms)"
                            + " VALUES (?, 1, 100000, 50000, 1, 1, 0, 1000)")) {
                for (ChunkId id : features.keySet()) {
                    ps.setBytes(1, id.toBytes());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            insertOldRows(c, features);
            c.commit();
        }
        try (Catalog catalog = Catalog.open(dir, false)) {
            var runs = catalog.transaction(DeltaStoreTest::featureRuns);
            assertEquals(3L * features.size(), runs.values().stream().mapToLong(FeatureRun::size).sum());
            assertEquals(FeatureRun.MAX_KEY, runs.lastKey());
            for (Map.Entry<ChunkId, long[]> e : features.entrySet()) {
                assertEquals(e.getKey(), FeatureIndexTest.findBase(catalog, e.getValue()));
            }
        }
    }

    /** Migration 9 from a catalog that really is at version 8: the column is added, old rows keep NULL. */
    @Test
    void a_schema_8_catalog_gains_the_files_column_with_unknown_counts() throws IOException, SQLException {
        try (Connection c = raw()) {
            c.setAutoCommit(false);
            Schema.migrate(c, 8);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO snapshot_stats VALUES (1, 1000, 10, 1, 5, 10, 0, 0, 0)");
            }
            c.commit();
        }
        Catalog.open(dir, false).close();
        try (Connection c = raw(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT files, logical_bytes FROM snapshot_stats")) {
            rs.next();
            rs.getLong(1);
            assertTrue(rs.wasNull(), "a snapshot made before migration 9 has no file count");
            assertEquals(10L, rs.getLong(2));
            assertEquals(Schema.CURRENT_VERSION, version(st));
        }
    }
}
