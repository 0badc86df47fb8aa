package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The similarity index: super-feature → full chunk ({@link SuperFeatures}, table {@code delta_features}), and the
 * per-delta facts ({@code delta_chunks}). Lives in H2, off the Java heap.
 *
 * <p>Size: 3 rows per full chunk of 8 + 32 bytes (+ H2 row overhead); with 256 KiB chunks ≈ 4 M chunks per TiB of
 * unique data, ≈ 12 M rows. Deltas are not indexed.
 */
final class FeatureIndex {

    /** Candidates read per super-feature: a very common one (many near-identical chunks) is cut off here. */
    static final int MAX_PER_FEATURE = 32;

    private FeatureIndex() {
    }

    /** A delta chunk's facts. */
    record DeltaRow(ChunkId id, ChunkId base, int generation, int savedBytes) {
    }

    /**
     * Records, in one batch per table, the super-features of new full chunks and the rows of new deltas (chunks
     * just inserted into {@code chunks}: their ids are new, so plain INSERTs).
     */
    static void insertNew(Tx tx, Map<ChunkId, long[]> features, java.util.List<DeltaRow> deltas) throws IOException {
        try {
            if (!features.isEmpty()) {
                try (PreparedStatement ps = tx.connection().prepareStatement(
                        "INSERT INTO delta_features (sf, chunk_id) VALUES (?, ?)")) {
                    for (Map.Entry<ChunkId, long[]> e : features.entrySet()) {
                        byte[] id = e.getKey().toBytes();
                        for (long s : java.util.Arrays.stream(e.getValue()).distinct().toArray()) {
                            ps.setLong(1, s);
                            ps.setBytes(2, id);
                            ps.addBatch();
                        }
                    }
                    ps.executeBatch();
                }
            }
            if (!deltas.isEmpty()) {
                try (PreparedStatement ps = tx.connection().prepareStatement(
                        "INSERT INTO delta_chunks (id, base_id, generation, saved_bytes) VALUES (?, ?, ?, ?)")) {
                    for (DeltaRow row : deltas) {
                        ps.setBytes(1, row.id().toBytes());
                        ps.setBytes(2, row.base().toBytes());
                        ps.setInt(3, row.generation());
                        ps.setInt(4, row.savedBytes());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("indexing features of " + features.size() + " chunks and " + deltas.size()
                    + " deltas", e);
        }
    }

    /** Records that full chunk {@code id} has super-features {@code sf}. */
    static void insert(Tx tx, ChunkId id, long[] sf) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO delta_features (sf, chunk_id) KEY (sf, chunk_id) VALUES (?, ?)")) {
            for (long s : sf) {
                ps.setLong(1, s);
                ps.setBytes(2, id.toBytes());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("indexing features of chunk " + id.shortHex(), e);
        }
    }

    /**
     * Full chunks having any of {@value SuperFeatures#SUPER_FEATURES} super-features, for {@link #findBase}: one
     * statement for all of them, prepared once per lookup connection ({@code LocalChunkStore}), because a new chunk
     * must not pay a catalog transaction and three statement preparations (≈ 13% of the put workers' CPU on
     * never-seen data when it did).
     */
    static final String SIMILAR_SQL = "SELECT f.chunk_id, c.created_ms FROM delta_features f JOIN chunks c ON c.id = f.chunk_id"
            + " WHERE f.sf IN (" + "?, ".repeat(SuperFeatures.SUPER_FEATURES - 1) + "?) AND c.pack_id IS NOT NULL LIMIT "
            + MAX_PER_FEATURE * SuperFeatures.SUPER_FEATURES;

    /**
     * The live, locally stored full chunk sharing the most super-features with {@code sf} (newest on ties), or
     * null; {@code similar} is a prepared {@link #SIMILAR_SQL}.
     */
    static ChunkId findBase(PreparedStatement similar, long[] sf) throws SQLException {
        Map<ChunkId, long[]> votes = new HashMap<>(); // id -> {votes, created_ms}
        for (int i = 0; i < SuperFeatures.SUPER_FEATURES; i++) {
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

    static void insertDelta(Tx tx, DeltaRow row) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO delta_chunks (id, base_id, generation, saved_bytes) KEY (id) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, row.id().toBytes());
            ps.setBytes(2, row.base().toBytes());
            ps.setInt(3, row.generation());
            ps.setInt(4, row.savedBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("recording delta chunk " + row.id().shortHex(), e);
        }
    }

    /** The delta facts of {@code id}, or null when it is stored in full (or unknown). */
    static DeltaRow findDelta(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT base_id, generation, saved_bytes FROM delta_chunks WHERE id = ?")) {
            ps.setBytes(1, id.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new DeltaRow(id, ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3));
                }
            }
            // A catalog rebuilt by recover from the partner's index files has the edge delta -> base (a file
            // chunk's only kind of child) but no delta_chunks row.
            try (PreparedStatement edge = tx.connection().prepareStatement(
                    "SELECT b.child FROM blob_children b JOIN chunks c ON c.id = b.parent"
                            + " WHERE b.parent = ? AND c.kind = 1 LIMIT 1")) {
                edge.setBytes(1, id.toBytes());
                try (ResultSet rs = edge.executeQuery()) {
                    return rs.next() ? new DeltaRow(id, ChunkId.of(rs.getBytes(1)), 1, 0) : null;
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up delta chunk " + id.shortHex(), e);
        }
    }

    /** Drops the feature and delta rows of chunks no longer in the index (after GC freed them). */
    static int sweep(Tx tx) throws IOException {
        try (PreparedStatement a = tx.connection().prepareStatement(
                "DELETE FROM delta_features f WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = f.chunk_id)");
             PreparedStatement b = tx.connection().prepareStatement(
                "DELETE FROM delta_chunks d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = d.id)")) {
            return a.executeUpdate() + b.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("sweeping the feature index", e);
        }
    }

    /** Deltas stored and bytes they saved against plain zstd, over the whole catalog. */
    static long[] totals(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(saved_bytes), 0) FROM delta_chunks");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        } catch (SQLException e) {
            throw Catalog.translate("counting delta chunks", e);
        }
    }
}
