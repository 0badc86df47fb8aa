package dev.pactfs.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Schema migration 7: the similarity index {@code delta_features} becomes runs of packed entries (issue 6, size of
 * the index: {@link FeatureIndex}, {@link FeatureRun}). Migration 5's table, one row per (super-feature, chunk id)
 * with a composite primary key, is converted in place: its rows are read in key order and packed into runs, so an
 * existing repo keeps finding its bases without reading any payload. Plus the lock row of the index's writers.
 */
final class FeatureRunsMigration {

    private FeatureRunsMigration() {
    }

    static void apply(Connection c, Statement st) throws SQLException {
        st.execute("ALTER TABLE delta_features RENAME TO delta_features_v5");
        st.execute("CREATE TABLE delta_features (hi BIGINT PRIMARY KEY, entries VARBINARY NOT NULL)");
        st.execute("INSERT INTO meta (k, v) VALUES ('" + FeatureIndex.WRITER_LOCK + "', '')");
        // sf is never negative (group index in bits 60-61), so SQL's signed order is the order of the keys.
        try (PreparedStatement old = c.prepareStatement("SELECT sf, chunk_id FROM delta_features_v5 ORDER BY sf, chunk_id");
             ResultSet rs = old.executeQuery()) {
            FeatureRun run = FeatureRun.empty();
            while (rs.next()) {
                run.add(FeatureRun.key(rs.getLong(1)), FeatureRun.prefix(rs.getBytes(2)), FeatureIndex.MAX_PER_FEATURE);
                if (run.size() > FeatureRun.MAX_ENTRIES) {
                    run = writeFull(c, run);
                }
            }
            FeatureIndex.write(c, FeatureRun.MAX_KEY, run, false);
        }
        st.execute("DROP TABLE delta_features_v5");
    }

    /**
     * Writes every piece of {@code run} but the last, which keys still to come may join (rows arrive in key
     * order), and returns that one.
     */
    private static FeatureRun writeFull(Connection c, FeatureRun run) throws SQLException {
        var pieces = run.pieces(FeatureRun.MAX_KEY);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO delta_features (hi, entries) VALUES (?, ?)")) {
            for (FeatureRun.Piece p : pieces.subList(0, pieces.size() - 1)) {
                ps.setLong(1, p.hi());
                ps.setBytes(2, p.entries());
                ps.addBatch();
            }
            ps.executeBatch();
        }
        return FeatureRun.decode(pieces.get(pieces.size() - 1).entries());
    }
}
