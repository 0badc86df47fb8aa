package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/*
 * The similarity index of migration 5 (one row per super-feature and 32-byte chunk id, composite primary key) against
 * migration 7's runs (FeatureRun), on the same made-up chunks: the table's size on disk as H2 counts it (all its
 * maps: DISK_SPACE_USED counts the primary map only, which for migration 5 left out the primary key's index) and
 * the CPU time of findBase, missing (never-seen data: the common case on ingest) and hitting, of indexing, of a
 * sweep, and of migration 7 converting the old table.
 *
 * Run: mvn -o -q test-compile -Dpactfs.buildDir=B && java -cp B/test-classes:B/classes:$(cat cp.txt) \
 *        dev.pactfs.store.FeatureIndexStudy DIR [chunks] [lookups]
 */
public final class FeatureIndexStudy {

    /** Migration 5's lookup (FeatureIndex.SIMILAR_SQL before migration 7), for the comparison. */
    static final String OLD_SIMILAR_SQL = "SELECT f.chunk_id, c.created_ms FROM delta_features f JOIN chunks c ON c.id = f.chunk_id"
            + " WHERE f.sf IN (?, ?, ?) AND c.pack_id IS NOT NULL LIMIT 96";

    private FeatureIndexStudy() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int chunks = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int lookups = args.length > 2 ? Integer.parseInt(args[2]) : 50_000;
        SplittableRandom r = new SplittableRandom(1);
        Map<ChunkId, long[]> features = new LinkedHashMap<>();
        for (int i = 0; i < chunks; i++) {
            features.put(FeatureIndexTest.id(r), FeatureIndexTest.sf(r));
        }
        List<long[]> hits = new ArrayList<>(features.values());
        List<long[]> misses = new ArrayList<>();
        for (int i = 0; i < lookups; i++) {
            misses.add(FeatureIndexTest.sf(r));
        }
        for (boolean old : new boolean[] {true, false, true, false}) {
            Path d = dir.resolve(old ? "old" : "new");
            if (Files.exists(d.resolve(Catalog.DB_NAME + ".mv.db"))) {
                Files.delete(d.resolve(Catalog.DB_NAME + ".mv.db"));
            }
            Files.createDirectories(d);
            try (Catalog catalog = Catalog.open(d, true)) {
                if (old) {
                    downgrade(catalog);
                }
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                long t0 = mx.getCurrentThreadCpuTime();
                fill(catalog, features, old);
                double fillUs = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / chunks;
                long[] size = size(catalog);
                System.out.printf("%s: %d chunks, delta_features %d bytes (%.1f per chunk), DISK_SPACE_USED %d;"
                        + " indexing (with the chunk rows, 128 a transaction) %.1f µs CPU per chunk%n",
                        old ? "migration 5" : "migration 7", chunks, size[0], size[0] / (double) chunks, size[1], fillUs);
                try (Connection c = catalog.readConnection()) {
                    PreparedStatement a = c.prepareStatement(old ? OLD_SIMILAR_SQL : FeatureIndex.RUNS_SQL);
                    PreparedStatement b = old ? null : c.prepareStatement(FeatureIndex.BY_PREFIX_SQL);
                    for (String kind : new String[] {"miss", "hit"}) {
                        List<long[]> qs = kind.equals("miss") ? misses : hits;
                        time(a, b, qs.subList(0, Math.min(qs.size(), lookups / 5)), old); // warm-up
                        double us = time(a, b, qs.subList(0, Math.min(qs.size(), lookups)), old);
                        System.out.printf("  findBase %s: %.1f µs CPU per lookup%n", kind, us);
                    }
                }
                long t1 = mx.getCurrentThreadCpuTime();
                int swept = catalog.transaction(tx -> old ? oldSweep(tx) : FeatureIndex.sweep(tx));
                System.out.printf("  sweep with nothing to drop: %.2f s CPU (%d dropped)%n",
                        (mx.getCurrentThreadCpuTime() - t1) / 1e9, swept);
            }
            if (old) {
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                long t0 = mx.getCurrentThreadCpuTime();
                try (Catalog catalog = Catalog.open(d, false)) {
                    double s = (mx.getCurrentThreadCpuTime() - t0) / 1e9;
                    System.out.printf("  migration 7 on reopening: %.2f s CPU, delta_features then %d bytes%n", s,
                            size(catalog)[0]);
                }
            }
        }
    }

    private static double time(PreparedStatement a, PreparedStatement b, List<long[]> qs, boolean old) throws SQLException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long t0 = mx.getCurrentThreadCpuTime();
        int found = 0;
        for (long[] sf : qs) {
            ChunkId base = old ? oldFindBase(a, sf) : FeatureIndex.findBase(a, b, sf);
            found += base == null ? 0 : 1;
        }
        long t1 = mx.getCurrentThreadCpuTime();
        if (found < 0) {
            throw new AssertionError();
        }
        return (t1 - t0) / 1e3 / qs.size();
    }

    /** Migration 5's findBase. */
    static ChunkId oldFindBase(PreparedStatement similar, long[] sf) throws SQLException {
        Map<ChunkId, long[]> votes = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            similar.setLong(i + 1, sf[i]);
        }
        try (ResultSet rs = similar.executeQuery()) {
            while (rs.next()) {
                long created = rs.getLong(2);
                votes.computeIfAbsent(ChunkId.of(rs.getBytes(1)), k -> new long[] {0, created})[0]++;
            }
        }
        ChunkId best = null;
        long[] bestV = null;
        for (Map.Entry<ChunkId, long[]> e : votes.entrySet()) {
            long[] v = e.getValue();
            if (bestV == null || v[0] > bestV[0] || (v[0] == bestV[0] && v[1] > bestV[1])) {
                best = e.getKey();
                bestV = v;
            }
        }
        return best;
    }

    /** Migration 5's sweep of the feature rows. */
    private static int oldSweep(Tx tx) throws IOException {
        try (PreparedStatement a = tx.connection().prepareStatement(
                "DELETE FROM delta_features f WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = f.chunk_id)")) {
            return a.executeUpdate();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    /** Migration 5's table in place of migration 7's, and the schema version before migration 7. */
    private static void downgrade(Catalog catalog) throws IOException {
        catalog.transaction(tx -> {
            try (var st = tx.connection().createStatement()) {
                st.execute("DROP TABLE delta_features");
                st.execute(DeltaTables.MIGRATION[0]);
                st.execute("DELETE FROM meta WHERE k = '" + FeatureIndex.WRITER_LOCK + "'");
                st.execute("DELETE FROM schema_version WHERE version > 6");
            } catch (SQLException e) {
                throw new IOException(e);
            }
            return null;
        });
    }

    private static void fill(Catalog catalog, Map<ChunkId, long[]> features, boolean old) throws IOException {
        List<ChunkId> ids = new ArrayList<>(features.keySet());
        for (int from = 0; from < ids.size(); from += 128) {
            Map<ChunkId, long[]> batch = new LinkedHashMap<>();
            ids.subList(from, Math.min(ids.size(), from + 128)).forEach(id -> batch.put(id, features.get(id)));
            if (!old) {
                FeatureIndexTest.indexNew(catalog, batch);
                continue;
            }
            catalog.transaction(tx -> {
                for (ChunkId id : batch.keySet()) {
                    FeatureIndexTest.chunkRow(tx, id, 1L, 1000);
                }
                try {
                    FeatureRunsMigrationTest.insertOldRows(tx.connection(), batch);
                } catch (SQLException e) {
                    throw new IOException(e);
                }
                return null;
            });
        }
        catalog.sync();
    }

    /** {all maps of delta_features, DISK_SPACE_USED}, through H2's own accounting. */
    static long[] size(Catalog catalog) throws IOException {
        return catalog.transaction(tx -> {
            try {
                var session = (org.h2.engine.SessionLocal) tx.connection().unwrap(org.h2.jdbc.JdbcConnection.class).getSession();
                var table = session.getDatabase().getSchema("PUBLIC").findTableOrView(session, "DELTA_FEATURES");
                return new long[] {table.getDiskSpaceUsed(true, false), table.getDiskSpaceUsed(false, false)};
            } catch (SQLException e) {
                throw new IOException(e);
            }
        });
    }
}
