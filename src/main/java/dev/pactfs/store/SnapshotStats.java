package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-snapshot figures, recorded by the transaction that creates the snapshot (table {@code snapshot_stats}):
 * its logical bytes (the sizes of its files) and what the store added since the previous snapshot's figures were
 * taken, with how much of it came as deltas ({@link DeltaStats.Window}). Frozen at creation: blobs freed later
 * (forget + prune) would otherwise vanish from a window computed on demand. Snapshots without a row (made before
 * this table existed, or recovered from the partner) have no figures.
 */
public final class SnapshotStats {

    private SnapshotStats() {
    }

    /** One snapshot's figures. */
    public record Stats(long logicalBytes, DeltaStats.Window added, Long files) {
    }

    /** Meta key: where the last snapshot's window ended (the next one starts there). */
    static final String META_WINDOW_END = "snapshot_stats.window_end_ms";

    /**
     * Records the figures of snapshot {@code snapshotId}, just inserted in this transaction: the window runs from
     * where the previous snapshot's ended (the newest other snapshot's time when none was recorded) to now, so
     * that every blob, including the tree blobs and chunk rows indexed by this very snapshot's creation, counts
     * in exactly one snapshot, whatever was forgotten in between.
     */
    public static Stats record(Tx tx, long snapshotId, long logicalBytes, long files) throws IOException {
        String end = PartnerCatalog.meta(tx, META_WINDOW_END);
        long from = Long.MIN_VALUE;
        if (end != null) {
            from = Long.parseLong(end);
        } else {
            for (Snapshots.Row r : Snapshots.list(tx)) {
                if (r.id() != snapshotId) {
                    from = Math.max(from, r.timeMs());
                }
            }
        }
        long now = Math.max(System.currentTimeMillis(), from);
        DeltaStats.Window w = DeltaStats.createdBetween(tx, from, now);
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO snapshot_stats (snapshot_id, window_end_ms, logical_bytes, new_blobs, new_stored_bytes,"
                        + " new_plain_bytes, deltas, delta_stored_bytes, delta_saved_bytes, files) KEY (snapshot_id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, snapshotId);
            ps.setLong(2, now);
            ps.setLong(3, logicalBytes);
            ps.setLong(4, w.blobs());
            ps.setLong(5, w.storedBytes());
            ps.setLong(6, w.plainBytes());
            ps.setLong(7, w.deltas());
            ps.setLong(8, w.deltaStoredBytes());
            ps.setLong(9, w.deltaSavedBytes());
            ps.setLong(10, files);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("recording figures of snapshot " + snapshotId, e);
        }
        PartnerCatalog.setMeta(tx, META_WINDOW_END, Long.toString(now));
        return new Stats(logicalBytes, w, files);
    }

    /**
     * Starts the next snapshot's window now: for a catalog just rebuilt by {@code recover}, whose recovered blobs
     * all carry the recovery time and were stored by snapshots made before it.
     */
    public static void startWindowNow(Tx tx) throws IOException {
        PartnerCatalog.setMeta(tx, META_WINDOW_END, Long.toString(System.currentTimeMillis()));
    }

    /** The figures of every snapshot that has them, by snapshot id. */
    public static Map<Long, Stats> all(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT snapshot_id, logical_bytes, new_blobs, new_stored_bytes, new_plain_bytes, deltas,"
                        + " delta_stored_bytes, delta_saved_bytes, files FROM snapshot_stats");
             ResultSet rs = ps.executeQuery()) {
            Map<Long, Stats> out = new HashMap<>();
            while (rs.next()) {
                out.put(rs.getLong(1), new Stats(rs.getLong(2), new DeltaStats.Window(rs.getLong(3), rs.getLong(4),
                        rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getLong(8)), rs.getObject(9, Long.class)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("reading snapshot figures", e);
        }
    }

    /** Drops the figures of a deleted snapshot (its window is not handed to another: it was its own). */
    static void forget(Tx tx, long snapshotId) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM snapshot_stats WHERE snapshot_id = ?")) {
            ps.setLong(1, snapshotId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("dropping figures of snapshot " + snapshotId, e);
        }
    }
}
