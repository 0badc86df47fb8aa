package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code snapshots} table: one row per snapshot, holding one counted reference on its root tree blob
 * (taken in {@link #insert}, dropped in {@link #delete}, in the same transaction as the row change), and the
 * {@code snapshots_forgotten} queue for the partner side of prune.
 */
public final class Snapshots {

    private Snapshots() {
    }

    /**
     * One row. {@code parentId} is the local id of the snapshot this one was taken after, or null;
     * {@code stableId} the snapshot's id for life (decision 0011), {@code parentStableId} its parent's (null: no
     * parent, or one forgotten before migration 10; {@code parentName} then still names it).
     */
    public record Row(long id, SnapshotId stableId, String name, long timeMs, String host, String tag, ChunkId root,
                      Long parentId, SnapshotId parentStableId, String parentName) {
    }

    /** A forgotten snapshot not yet handled by the partner side of prune. */
    public record Forgotten(String name, long timeMs, ChunkId root, long forgottenMs) {
    }

    /** What a new row holds; {@code tag} is the comma-joined tag field (snapshot.Tags). */
    public record New(SnapshotId stableId, String name, long timeMs, String host, String tag, ChunkId root,
                      Long parentId, SnapshotId parentStableId, String parentName) {
    }

    private static final String COLUMNS =
            "id, stable_id, name, time_ms, host, tag, root_id, parent, parent_stable_id, parent_name";

    /**
     * Inserts a new snapshot with a random stable id, its parent's stable id taken from the row {@code parentId};
     * counts its reference on {@code root}; returns the new id.
     */
    public static long insert(Tx tx, String name, long timeMs, String host, String tag, ChunkId root, Long parentId,
                              String parentName) throws IOException {
        SnapshotId parentStable = null;
        if (parentId != null) {
            Row p = byId(tx, parentId);
            parentStable = p == null ? null : p.stableId();
        }
        return insert(tx, new New(SnapshotId.random(), name, timeMs, host, tag, root, parentId, parentStable,
                parentName), true);
    }

    /** Inserts the row and counts its reference on its root; returns the new id. */
    public static long insert(Tx tx, New row) throws IOException {
        return insert(tx, row, true);
    }

    /**
     * Inserts a row rebuilt from a partner copy, without counting its reference: the recovery recomputes every
     * refcount afterwards, and the top tree may be lost (in no index or pack), which must not abort the recovery
     * of every other snapshot.
     */
    public static long insertRecovered(Tx tx, New row) throws IOException {
        return insert(tx, row, false);
    }

    private static long insert(Tx tx, New row, boolean reference) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO snapshots (stable_id, name, time_ms, host, tag, root_id, parent, parent_stable_id,"
                        + " parent_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            ps.setBytes(1, row.stableId().toBytes());
            ps.setString(2, row.name());
            ps.setLong(3, row.timeMs());
            ps.setString(4, row.host());
            ps.setString(5, row.tag());
            ps.setBytes(6, row.root().toBytes());
            if (row.parentId() == null) {
                ps.setNull(7, Types.BIGINT);
            } else {
                ps.setLong(7, row.parentId());
            }
            ps.setBytes(8, row.parentStableId() == null ? null : row.parentStableId().toBytes());
            ps.setString(9, row.parentName());
            ps.executeUpdate();
            long id;
            try (ResultSet rs = ps.getGeneratedKeys()) {
                rs.next();
                id = rs.getLong(1);
            }
            if (reference) {
                ChunkIndex.adjustRefcounts(tx, Map.of(row.root(), 1L));
            }
            return id;
        } catch (SQLException e) {
            if (e.getErrorCode() == 23505) { // unique index violation
                throw new StoreException(e.getMessage().contains("STABLE_ID")
                        ? "a snapshot with the id " + row.stableId() + " exists already"
                        : "a snapshot named '" + row.name() + "' exists already", e);
            }
            throw Catalog.translate("recording snapshot " + row.name(), e);
        }
    }

    /** The snapshot with local id {@code id}, or null. */
    public static Row byId(Tx tx, long id) throws IOException {
        return one(tx, "id", id);
    }

    /** Every snapshot, oldest first. */
    public static List<Row> list(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT " + COLUMNS + " FROM snapshots ORDER BY time_ms, id");
             ResultSet rs = ps.executeQuery()) {
            List<Row> out = new ArrayList<>();
            while (rs.next()) {
                out.add(toRow(rs));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing snapshots", e);
        }
    }

    /** The snapshot named {@code name}, or null. */
    public static Row byName(Tx tx, String name) throws IOException {
        return one(tx, "name", name);
    }

    private static Row one(Tx tx, String column, Object value) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT " + COLUMNS + " FROM snapshots WHERE " + column + " = ?")) {
            ps.setObject(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? toRow(rs) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("reading snapshot " + value, e);
        }
    }

    /**
     * Deletes the row, drops its reference on its root (which becomes garbage for the next collection unless
     * something else holds it) and queues it for the partner side of prune. False when it did not exist.
     */
    public static boolean delete(Tx tx, Row row, long nowMs) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM snapshots WHERE id = ?")) {
                ps.setLong(1, row.id());
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "MERGE INTO snapshots_forgotten (name, time_ms, root_id, forgotten_ms) KEY (name) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, row.name());
                ps.setLong(2, row.timeMs());
                ps.setBytes(3, row.root().toBytes());
                ps.setLong(4, nowMs);
                ps.executeUpdate();
            }
            if (ChunkIndex.find(tx, row.root()) != null) { // absent only for a snapshot recovered without its top tree
                ChunkIndex.adjustRefcounts(tx, Map.of(row.root(), -1L));
            }
            SnapshotStats.forget(tx, row.id());
            return true;
        } catch (SQLException e) {
            throw Catalog.translate("deleting snapshot " + row.name(), e);
        }
    }

    /** Forgotten snapshots the partner side has not yet handled, oldest first. */
    public static List<Forgotten> forgotten(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT name, time_ms, root_id, forgotten_ms FROM snapshots_forgotten ORDER BY forgotten_ms, name");
             ResultSet rs = ps.executeQuery()) {
            List<Forgotten> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Forgotten(rs.getString(1), rs.getLong(2), ChunkId.of(rs.getBytes(3)), rs.getLong(4)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing forgotten snapshots", e);
        }
    }

    /** Removes {@code names} from the forgotten queue (the partner side has handled them). */
    public static void clearForgotten(Tx tx, List<String> names) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM snapshots_forgotten WHERE name = ?")) {
            for (String n : names) {
                ps.setString(1, n);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("clearing forgotten snapshots", e);
        }
    }

    /**
     * Points snapshot {@code row} at {@code newRoot} (repo format migration: its trees re-encoded under new ids),
     * moving its counted reference from the old root to the new one. Its record at the partner names the old
     * root: the partner_snapshots row is retired to a negative id, which no snapshot has, so the
     * partner side of prune deletes that file (PartnerCatalog#forgottenSnapshotFiles) and the next replication
     * pass publishes a record with the new root (the snapshot is unreplicated again). Not through the
     * snapshots_forgotten queue: that matches records by name and time and would delete the new record too.
     */
    public static void replaceRoot(Tx tx, Row row, ChunkId newRoot) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE snapshots SET root_id = ? WHERE id = ? AND root_id = ?")) {
                ps.setBytes(1, newRoot.toBytes());
                ps.setLong(2, row.id());
                ps.setBytes(3, row.root().toBytes());
                if (ps.executeUpdate() != 1) {
                    throw new StoreException("snapshot " + row.name() + " changed while its root was being replaced");
                }
            }
            retirePartnerRecord(tx, row.id(), false); // a fresh negative id: -id may be taken by a retired record
            ChunkIndex.adjustRefcounts(tx, Map.of(newRoot, 1L, row.root(), -1L));
        } catch (SQLException e) {
            throw Catalog.translate("replacing the root of snapshot " + row.name(), e);
        }
    }

    /**
     * Renames snapshot {@code row} to {@code newName} (unique, checked by the caller and by the unique index), and
     * updates the parent name its children show. Its own record at the partner is retired as in
     * {@link #replaceRoot}: the next replication pass publishes a record with the new name and a manifest that names
     * only that one, so a recovery finds the snapshot under its new name; partner prune deletes the retired file.
     * A child's record names its parent by stable id (format 2) and stays as it is; only a child whose published
     * record is format 1 (a parent by name: published before migration 10, or recovered from such a copy) is
     * retired too, and republished as format 2 (decision 0011).
     */
    public static void rename(Tx tx, Row row, String newName) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE snapshots SET name = ? WHERE id = ? AND name = ?")) {
                ps.setString(1, newName);
                ps.setLong(2, row.id());
                ps.setString(3, row.name());
                if (ps.executeUpdate() != 1) {
                    throw new StoreException("snapshot " + row.name() + " changed while it was being renamed");
                }
            }
            List<Long> byName = new ArrayList<>();
            try (PreparedStatement ps = tx.connection().prepareStatement("SELECT s.id FROM snapshots s"
                    + " JOIN partner_snapshots p ON p.snapshot_id = s.id WHERE s.parent = ? AND p.record_format = 1")) {
                ps.setLong(1, row.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byName.add(rs.getLong(1));
                    }
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE snapshots SET parent_name = ? WHERE parent = ?")) {
                ps.setString(1, newName);
                ps.setLong(2, row.id());
                ps.executeUpdate();
            }
            retirePartnerRecord(tx, row.id(), true);
            for (long c : byName) {
                retirePartnerRecord(tx, c, true);
            }
        } catch (SQLException e) {
            if (e.getErrorCode() == 23505) {
                throw new StoreException("a snapshot named '" + newName + "' exists already", e);
            }
            throw Catalog.translate("renaming snapshot " + row.name(), e);
        }
    }

    /** Sets the tag field of snapshot {@code row} (null for none); its partner record is retired as by {@link #rename}. */
    public static void setTag(Tx tx, Row row, String tag) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement("UPDATE snapshots SET tag = ? WHERE id = ?")) {
                ps.setString(1, tag);
                ps.setLong(2, row.id());
                if (ps.executeUpdate() != 1) {
                    throw new StoreException("snapshot " + row.name() + " was removed while it was being tagged");
                }
            }
            retirePartnerRecord(tx, row.id(), true);
        } catch (SQLException e) {
            throw Catalog.translate("tagging snapshot " + row.name(), e);
        }
    }

    /**
     * Moves the partner_snapshots row of snapshot {@code id} (if its record was published) to a fresh negative id,
     * which no snapshot has: the file becomes a retired record the replicator deletes once the manifest no longer
     * names it (PartnerCatalog#forgottenSnapshotFiles), and the snapshot is unreplicated again. {@code sameRoot}:
     * the snapshot keeps the root the retired record names (a rename or re-tag), recorded so that its successor
     * need not wait for blobs the partner lost ({@link PartnerCatalog#republishesSameRoot}).
     */
    private static void retirePartnerRecord(Tx tx, long id, boolean sameRoot) throws SQLException, IOException {
        long retired = PartnerCatalog.nextRetiredId(tx);
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE partner_snapshots SET snapshot_id = ?, retired_from = ? WHERE snapshot_id = ?")) {
            ps.setLong(1, retired);
            if (sameRoot) {
                ps.setLong(2, id);
            } else {
                ps.setNull(2, java.sql.Types.BIGINT);
            }
            ps.setLong(3, id);
            ps.executeUpdate();
        }
    }

    /** The kind code of blob {@code id} in the index, or null when it is not there. */
    public static Integer blobKind(Tx tx, ChunkId id) throws IOException {
        ChunkIndex.Entry e = ChunkIndex.find(tx, id);
        return e == null ? null : e.kind();
    }

    /** Whether blob {@code id} is in the index (a snapshot refers only to stored blobs). */
    public static boolean blobExists(Tx tx, ChunkId id) throws IOException {
        return ChunkIndex.find(tx, id) != null;
    }

    private static Row toRow(ResultSet rs) throws SQLException {
        long parent = rs.getLong(8);
        Long parentId = rs.wasNull() ? null : parent;
        byte[] parentStable = rs.getBytes(9);
        return new Row(rs.getLong(1), SnapshotId.of(rs.getBytes(2)), rs.getString(3), rs.getLong(4), rs.getString(5),
                rs.getString(6), ChunkId.of(rs.getBytes(7)), parentId,
                parentStable == null ? null : SnapshotId.of(parentStable), rs.getString(10));
    }
}
