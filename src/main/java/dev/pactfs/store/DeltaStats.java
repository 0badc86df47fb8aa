package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * What the store added in a time window (blobs by {@code chunks.created_ms}), and how much of it came as deltas:
 * the per-snapshot "new bytes" of {@code snapshot list --json} (window = after the previous snapshot, up to this
 * one) and the totals of {@code status}. Blobs freed since are no longer counted.
 */
public final class DeltaStats {

    private DeltaStats() {
    }

    /**
     * @param blobs            blobs created in the window (chunks and tree blobs)
     * @param storedBytes      their sealed bytes (what the partner receives, without pack/index overhead)
     * @param plainBytes       their plaintext bytes
     * @param deltas           how many of them are deltas
     * @param deltaStoredBytes sealed bytes of those deltas
     * @param deltaSavedBytes  bytes the deltas saved against storing them with plain zstd
     */
    public record Window(long blobs, long storedBytes, long plainBytes, long deltas, long deltaStoredBytes,
                         long deltaSavedBytes) {
    }

    /** Blobs created after {@code fromMs} (exclusive) up to {@code toMs} (inclusive). */
    public static Window createdBetween(Tx tx, long fromMs, long toMs) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(c.stored_size), 0), COALESCE(SUM(c.plain_size), 0), COUNT(d.id),"
                        + " COALESCE(SUM(CASE WHEN d.id IS NULL THEN 0 ELSE c.stored_size END), 0),"
                        + " COALESCE(SUM(d.saved_bytes), 0)"
                        + " FROM chunks c LEFT JOIN delta_chunks d ON d.id = c.id"
                        + " WHERE c.created_ms > ? AND c.created_ms <= ?")) {
            ps.setLong(1, fromMs);
            ps.setLong(2, toMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Window(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5),
                        rs.getLong(6));
            }
        } catch (SQLException e) {
            throw Catalog.translate("counting new blobs", e);
        }
    }

    /** Everything in the store. */
    public static Window total(Tx tx) throws IOException {
        return createdBetween(tx, Long.MIN_VALUE, Long.MAX_VALUE);
    }
}
