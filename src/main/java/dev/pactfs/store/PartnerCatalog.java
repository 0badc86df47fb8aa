package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The partner layer's view of the catalog (only {@code store} speaks SQL): which blobs still have to go to the
 * partner, where the partner holds each one ({@code chunks.partner_pack/partner_offset}), the packs and snapshot
 * records published there, and the rows {@code recover} rebuilds. Every method runs inside the caller's
 * transaction.
 */
public final class PartnerCatalog {

    private PartnerCatalog() {
    }

    /** A blob as the catalog knows it. */
    public record BlobRow(ChunkId id, int kind, int plainSize, int storedSize) {
    }

    /** Where the partner holds a blob: pack file name (SHA-256) and byte offset of its sealed bytes. */
    public record PartnerLocation(byte[] pack, long offset, int kind, int plainSize, int storedSize) {
    }

    /** A blob placed in a partner pack. */
    public record Placed(ChunkId id, long offset) {
    }

    /** A pack published at the partner, with the bytes of the blobs in it the catalog still knows. */
    public record PartnerPack(byte[] name, long size, int blobs, byte[] indexName, long liveBytes) {
    }

    /** A row of the {@code snapshots} table. */
    public record SnapshotRow(long id, String name, long timeMs, String host, String tag, ChunkId root, Long parent) {
    }

    /**
     * Referenced blobs with a local payload that the partner does not hold yet, oldest first, at most
     * {@code limit}. Unreferenced (refcount 0) blobs are skipped: they are either garbage or pinned by a write
     * that has not committed, and go next pass.
     */
    public static List<BlobRow> pending(Tx tx, int limit) throws IOException {
        return blobs(tx, "SELECT id, kind, plain_size, stored_size FROM chunks WHERE partner_pack IS NULL"
                + " AND pack_id IS NOT NULL AND refcount > 0 ORDER BY created_ms, id LIMIT " + limit);
    }

    /** {count, stored bytes, oldest created_ms or 0} of {@link #pending} without a limit. */
    public static long[] pendingTotals(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(stored_size), 0), COALESCE(MIN(created_ms), 0) FROM chunks"
                        + " WHERE partner_pack IS NULL"
                        + " AND pack_id IS NOT NULL AND refcount > 0");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
        } catch (SQLException e) {
            throw Catalog.translate("counting blobs pending replication", e);
        }
    }

    private static List<BlobRow> blobs(Tx tx, String sql, Object... args) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<BlobRow> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new BlobRow(ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getInt(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing blobs", e);
        }
    }

    /** The blob's row, or null. */
    public static BlobRow find(Tx tx, ChunkId id) throws IOException {
        List<BlobRow> r = blobs(tx, "SELECT id, kind, plain_size, stored_size FROM chunks WHERE id = ?", (Object) id.toBytes());
        return r.isEmpty() ? null : r.get(0);
    }

    /** Where the partner holds {@code id}, or null when it does not (or the id is unknown). */
    public static PartnerLocation location(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT partner_pack, partner_offset, kind, plain_size, stored_size FROM chunks WHERE id = ?"
                        + " AND partner_pack IS NOT NULL")) {
            ps.setBytes(1, id.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new PartnerLocation(rs.getBytes(1), rs.getLong(2), rs.getInt(3), rs.getInt(4), rs.getInt(5));
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up partner location of " + id.shortHex(), e);
        }
    }

    /** The children a stored blob references (tree edges), with multiplicity. */
    public static Map<ChunkId, Integer> children(Tx tx, ChunkId parent) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT child, n FROM blob_children WHERE parent = ? ORDER BY child")) {
            ps.setBytes(1, parent.toBytes());
            Map<ChunkId, Integer> out = new LinkedHashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(ChunkId.of(rs.getBytes(1)), rs.getInt(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing children of " + parent.shortHex(), e);
        }
    }

    /**
     * Records that pack {@code pack} ({@code size} bytes, described by index file {@code indexName}) is durable
     * at the partner and holds each placed blob at its offset.
     */
    public static void recordPack(Tx tx, byte[] pack, long size, byte[] indexName, List<Placed> placed) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "MERGE INTO partner_packs (name, size, blobs, index_name, uploaded_ms) KEY (name) VALUES (?, ?, ?, ?, ?)")) {
                ps.setBytes(1, pack);
                ps.setLong(2, size);
                ps.setInt(3, placed.size());
                ps.setBytes(4, indexName);
                ps.setLong(5, System.currentTimeMillis());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE chunks SET partner_pack = ?, partner_offset = ? WHERE id = ?")) {
                for (Placed p : placed) {
                    ps.setBytes(1, pack);
                    ps.setLong(2, p.offset());
                    ps.setBytes(3, p.id().toBytes());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        } catch (SQLException e) {
            throw Catalog.translate("recording partner pack", e);
        }
    }

    /** Every pack published at the partner, with its live bytes (blobs the catalog still indexes there). */
    public static List<PartnerPack> packs(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT p.name, p.size, p.blobs, p.index_name,"
                        + " (SELECT COALESCE(SUM(c.stored_size), 0) FROM chunks c WHERE c.partner_pack = p.name)"
                        + " FROM partner_packs p ORDER BY p.uploaded_ms, p.name");
             ResultSet rs = ps.executeQuery()) {
            List<PartnerPack> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new PartnerPack(rs.getBytes(1), rs.getLong(2), rs.getInt(3), rs.getBytes(4), rs.getLong(5)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing partner packs", e);
        }
    }

    /** Blobs the catalog places in partner pack {@code pack}, in pack order. */
    public static List<PartnerLocationOf> blobsInPack(Tx tx, byte[] pack) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT id, partner_offset, kind, plain_size, stored_size FROM chunks WHERE partner_pack = ?"
                        + " ORDER BY partner_offset")) {
            ps.setBytes(1, pack);
            List<PartnerLocationOf> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PartnerLocationOf(ChunkId.of(rs.getBytes(1)),
                            new PartnerLocation(pack, rs.getLong(2), rs.getInt(3), rs.getInt(4), rs.getInt(5))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing blobs of a partner pack", e);
        }
    }

    /** How many blobs of partner pack {@code pack} have no local payload (0: the pack need not be fetched). */
    public static long withoutLocalPayload(Tx tx, byte[] pack) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*) FROM chunks WHERE partner_pack = ? AND pack_id IS NULL")) {
            ps.setBytes(1, pack);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw Catalog.translate("counting blobs of a partner pack without a local payload", e);
        }
    }

    /** A blob and where the partner holds it. */
    public record PartnerLocationOf(ChunkId id, PartnerLocation location) {
    }

    /** Forgets partner pack {@code pack} (after its file was deleted); its blobs' partner columns are cleared. */
    public static void forgetPack(Tx tx, byte[] pack) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE chunks SET partner_pack = NULL, partner_offset = NULL WHERE partner_pack = ?")) {
                ps.setBytes(1, pack);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM partner_packs WHERE name = ?")) {
                ps.setBytes(1, pack);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw Catalog.translate("forgetting partner pack", e);
        }
    }

    /** Snapshots without a record at the partner, oldest first. */
    public static List<SnapshotRow> unreplicatedSnapshots(Tx tx) throws IOException {
        return snapshots(tx, "SELECT id, name, time_ms, host, tag, root_id, parent FROM snapshots s"
                + " WHERE NOT EXISTS (SELECT 1 FROM partner_snapshots p WHERE p.snapshot_id = s.id) ORDER BY time_ms, id");
    }

    /** Every snapshot row. */
    public static List<SnapshotRow> allSnapshots(Tx tx) throws IOException {
        return snapshots(tx, "SELECT id, name, time_ms, host, tag, root_id, parent FROM snapshots ORDER BY time_ms, id");
    }

    private static List<SnapshotRow> snapshots(Tx tx, String sql) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            List<SnapshotRow> out = new ArrayList<>();
            while (rs.next()) {
                long parent = rs.getLong(7);
                Long p = rs.wasNull() ? null : parent;
                out.add(new SnapshotRow(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getString(4), rs.getString(5),
                        ChunkId.of(rs.getBytes(6)), p));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing snapshots", e);
        }
    }

    /**
     * Blobs reachable from {@code root} (itself included, through {@code blob_children}) that the partner does
     * not hold yet; an id missing from the index counts too. Zero means the snapshot may be published.
     */
    public static long reachableNotAtPartner(Tx tx, ChunkId root) throws IOException {
        long[] missing = {0};
        walk(tx, root, (id, known, atPartner) -> {
            if (!known || !atPartner) {
                missing[0]++;
            }
        });
        return missing[0];
    }

    /** Whether anything reachable from {@code root} is in {@code ids}. */
    public static boolean reaches(Tx tx, ChunkId root, Set<ChunkId> ids) throws IOException {
        boolean[] hit = {false};
        walk(tx, root, (id, known, atPartner) -> hit[0] |= ids.contains(id));
        return hit[0];
    }

    private interface Visitor {
        void visit(ChunkId id, boolean known, boolean atPartner);
    }

    /**
     * Visits every blob reachable from {@code root} once. Breadth-first in Java rather than a recursive CTE: H2
     * mistypes a recursive CTE's binary column. Only blobs that are not file chunks are expanded (chunks have no
     * children), so the queries number the tree blobs, not the chunks.
     */
    private static void walk(Tx tx, ChunkId root, Visitor v) throws IOException {
        java.util.HashSet<ChunkId> seen = new java.util.HashSet<>();
        java.util.ArrayDeque<ChunkId> frontier = new java.util.ArrayDeque<>();
        try (PreparedStatement self = tx.connection().prepareStatement(
                "SELECT kind, partner_pack IS NOT NULL FROM chunks WHERE id = ?");
             PreparedStatement kids = tx.connection().prepareStatement(
                "SELECT b.child, c.kind, c.partner_pack IS NOT NULL, d.child, dc.kind, dc.partner_pack IS NOT NULL"
                        + " FROM blob_children b LEFT JOIN chunks c ON c.id = b.child"
                        // a file chunk's child is its delta base (depth 1: the base has no children)
                        + " LEFT JOIN blob_children d ON d.parent = b.child AND c.kind = 1"
                        + " LEFT JOIN chunks dc ON dc.id = d.child"
                        + " WHERE b.parent = ?")) {
            self.setBytes(1, root.toBytes());
            seen.add(root);
            try (ResultSet rs = self.executeQuery()) {
                if (rs.next()) {
                    v.visit(root, true, rs.getBoolean(2));
                    frontier.add(root);
                } else {
                    v.visit(root, false, false);
                }
            }
            while (!frontier.isEmpty()) {
                ChunkId parent = frontier.poll();
                kids.setBytes(1, parent.toBytes());
                try (ResultSet rs = kids.executeQuery()) {
                    while (rs.next()) {
                        ChunkId child = ChunkId.of(rs.getBytes(1));
                        if (!seen.add(child)) {
                            continue;
                        }
                        int kind = rs.getInt(2);
                        boolean known = !rs.wasNull();
                        v.visit(child, known, known && rs.getBoolean(3));
                        if (known && kind != dev.pactfs.crypto.BlobType.CHUNK.code) {
                            frontier.add(child);
                        }
                        byte[] base = rs.getBytes(4);
                        if (base != null && seen.add(ChunkId.of(base))) {
                            rs.getInt(5);
                            boolean baseKnown = !rs.wasNull();
                            v.visit(ChunkId.of(base), baseKnown, baseKnown && rs.getBoolean(6));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("walking the blobs of " + root.shortHex(), e);
        }
    }

    /**
     * Records that snapshot {@code snapshotId}'s record is durable at the partner as {@code file}, a record of
     * format {@code recordFormat} (1 names the parent by name: a rename of the parent retires it, Snapshots#rename).
     */
    public static void recordSnapshot(Tx tx, long snapshotId, byte[] file, int recordFormat) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO partner_snapshots (snapshot_id, file, written_ms, record_format) KEY (snapshot_id)"
                        + " VALUES (?, ?, ?, ?)")) {
            ps.setLong(1, snapshotId);
            ps.setBytes(2, file);
            ps.setLong(3, System.currentTimeMillis());
            ps.setInt(4, recordFormat);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("recording partner snapshot", e);
        }
    }

    /**
     * Records a snapshot record file at the partner that belongs to no snapshot (an older record of a name that a
     * newer record superseded, found by a recovery): partner prune deletes it like a forgotten snapshot's record.
     * It takes a negative id, which no snapshot has.
     */
    public static void recordSupersededSnapshotFile(Tx tx, byte[] file) throws IOException {
        recordSnapshot(tx, nextRetiredId(tx), file, 1); // belongs to no snapshot: its format matters to no rename
    }

    /** A fresh negative snapshot id for a record file that belongs to no snapshot (any more). */
    static long nextRetiredId(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COALESCE(MIN(snapshot_id), 0) - 1 FROM partner_snapshots WHERE snapshot_id < 0");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw Catalog.translate("numbering a retired snapshot record", e);
        }
    }

    /** Snapshot record files at the partner whose snapshot no longer exists (forgotten): id to file name. */
    public static Map<Long, byte[]> forgottenSnapshotFiles(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT snapshot_id, file FROM partner_snapshots p WHERE NOT EXISTS"
                        + " (SELECT 1 FROM snapshots s WHERE s.id = p.snapshot_id)");
             ResultSet rs = ps.executeQuery()) {
            Map<Long, byte[]> out = new HashMap<>();
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getBytes(2));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing forgotten partner snapshots", e);
        }
    }

    /**
     * Whether snapshot {@code snapshotId} had a record at the partner that a rename or re-tag retired (same root):
     * its successor is then published even while blobs it reaches are not at the partner, since the record it
     * replaces named them too, and withholding it would leave the manifest without any record of the snapshot.
     */
    public static boolean republishesSameRoot(Tx tx, long snapshotId) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT 1 FROM partner_snapshots WHERE retired_from = ? LIMIT 1")) {
            ps.setLong(1, snapshotId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up retired records", e);
        }
    }

    /** Forgets the partner record of a snapshot. */
    public static void forgetSnapshotFile(Tx tx, long snapshotId) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM partner_snapshots WHERE snapshot_id = ?")) {
            ps.setLong(1, snapshotId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("forgetting partner snapshot", e);
        }
    }

    /** Name and time of the newest snapshot whose record is at the partner, or null. */
    public static SnapshotRow lastReplicatedSnapshot(Tx tx) throws IOException {
        List<SnapshotRow> r = snapshots(tx, "SELECT s.id, s.name, s.time_ms, s.host, s.tag, s.root_id, s.parent"
                + " FROM snapshots s JOIN partner_snapshots p ON p.snapshot_id = s.id ORDER BY s.time_ms DESC, s.id DESC LIMIT 1");
        return r.isEmpty() ? null : r.get(0);
    }

    /** The value of {@code key} in the {@code meta} table, or null. */
    public static String meta(Tx tx, String key) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT v FROM meta WHERE k = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("reading meta " + key, e);
        }
    }

    /** Sets (or with null, deletes) {@code key} in the {@code meta} table. */
    public static void setMeta(Tx tx, String key, String value) throws IOException {
        try {
            if (value == null) {
                try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM meta WHERE k = ?")) {
                    ps.setString(1, key);
                    ps.executeUpdate();
                }
                return;
            }
            try (PreparedStatement ps = tx.connection().prepareStatement("MERGE INTO meta (k, v) KEY (k) VALUES (?, ?)")) {
                ps.setString(1, key);
                ps.setString(2, value.length() > 4000 ? value.substring(0, 4000) : value);
                ps.executeUpdate();
            }
        } catch (SQLException e) {
            throw Catalog.translate("writing meta " + key, e);
        }
    }

    // ---- recovery: rebuilding the catalog from the partner copy ----

    /** Indexes a blob known only at the partner (no local payload, refcount 0 until {@link #recomputeRefcounts}). */
    public static void insertRemote(Tx tx, ChunkId id, int kind, int plainSize, int storedSize, byte[] pack, long offset)
            throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO chunks (id, kind, plain_size, stored_size, refcount, pack_id, pack_offset, partner_pack,"
                        + " partner_offset, created_ms) KEY (id) VALUES (?, ?, ?, ?, 0, NULL, NULL, ?, ?, ?)")) {
            ps.setBytes(1, id.toBytes());
            ps.setInt(2, kind);
            ps.setInt(3, plainSize);
            ps.setInt(4, storedSize);
            ps.setBytes(5, pack);
            ps.setLong(6, offset);
            ps.setLong(7, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("indexing recovered blob " + id.shortHex(), e);
        }
    }

    /** Records tree edges as they were (no refcount change; see {@link #recomputeRefcounts}). */
    public static void insertEdges(Tx tx, ChunkId parent, Map<ChunkId, Integer> children) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO blob_children (parent, child, n) KEY (parent, child) VALUES (?, ?, ?)")) {
            for (Map.Entry<ChunkId, Integer> c : children.entrySet()) {
                ps.setBytes(1, parent.toBytes());
                ps.setBytes(2, c.getKey().toBytes());
                ps.setInt(3, c.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("recording recovered edges of " + parent.shortHex(), e);
        }
    }

    /**
     * Sets every refcount to the references the catalog holds: tree edges, snapshot roots and live file chunk
     * lists (the invariant {@code check} verifies).
     */
    public static void recomputeRefcounts(Tx tx) throws IOException {
        // The references counted exactly as `check` counts them, by one grouped scan of each table: the
        // correlated-subquery UPDATE this replaces scanned blob_children once per chunk (no index on child),
        // quadratic in the repo size and most of recover's catalog time.
        Map<ChunkId, Long> refs = ChunkIndex.countFileReferences(tx);
        BlobGraph.countBlobReferences(tx).forEach((id, n) -> refs.merge(id, n, Long::sum));
        try (PreparedStatement zero = tx.connection().prepareStatement("UPDATE chunks SET refcount = 0");
             PreparedStatement set = tx.connection().prepareStatement("UPDATE chunks SET refcount = ? WHERE id = ?")) {
            zero.executeUpdate();
            int batched = 0;
            for (Map.Entry<ChunkId, Long> r : refs.entrySet()) {
                set.setLong(1, r.getValue());
                set.setBytes(2, r.getKey().toBytes());
                set.addBatch();
                if (++batched % 1000 == 0) {
                    set.executeBatch();
                }
            }
            set.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("recomputing refcounts", e);
        }
    }

    // ---- local cache limit ----

    /** Bytes of payload held locally (stored size of rows with a local pack). */
    public static long localPayloadBytes(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COALESCE(SUM(stored_size + " + LocalPacks.RECORD_HEADER + "), 0) FROM chunks WHERE pack_id IS NOT NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw Catalog.translate("summing local payload", e);
        }
    }

    /** Blobs held both locally and at the partner, oldest first: what eviction may drop. */
    public static List<BlobRow> evictable(Tx tx, int limit) throws IOException {
        return blobs(tx, "SELECT id, kind, plain_size, stored_size FROM chunks WHERE pack_id IS NOT NULL"
                + " AND partner_pack IS NOT NULL ORDER BY created_ms, id LIMIT " + limit);
    }

    /** Drops the local payload location of {@code id} if the partner holds it; true when it did. */
    public static boolean evict(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE chunks SET pack_id = NULL, pack_offset = NULL WHERE id = ? AND partner_pack IS NOT NULL")) {
            ps.setBytes(1, id.toBytes());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw Catalog.translate("evicting " + id.shortHex(), e);
        }
    }
}
