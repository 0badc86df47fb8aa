package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * References held by stored blobs: a snapshot's tree blob references its files' chunks and its subdirectories'
 * tree blobs. The edges are recorded once, when the parent is first referenced, and counted in the children's
 * refcounts; when garbage collection frees the parent, it drops the edges and the children's counts with it, so
 * freeing cascades down a tree that nothing else shares.
 */
public final class BlobGraph {

    private BlobGraph() {
    }

    /**
     * Records that {@code parent} references each child {@code n} times, unless its edges are already recorded
     * (a parent that was stored before, deduplicated). Returns whether it recorded them.
     */
    public static boolean addChildren(Tx tx, ChunkId parent, Map<ChunkId, Integer> children) throws IOException {
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT 1 FROM blob_children WHERE parent = ? LIMIT 1")) {
                ps.setBytes(1, parent.toBytes());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            Map<ChunkId, Long> delta = new HashMap<>();
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "INSERT INTO blob_children (parent, child, n) VALUES (?, ?, ?)")) {
                for (Map.Entry<ChunkId, Integer> c : children.entrySet()) {
                    ps.setBytes(1, parent.toBytes());
                    ps.setBytes(2, c.getKey().toBytes());
                    ps.setInt(3, c.getValue());
                    ps.addBatch();
                    delta.put(c.getKey(), (long) c.getValue());
                }
                ps.executeBatch();
            }
            ChunkIndex.adjustRefcounts(tx, delta);
            return true;
        } catch (SQLException e) {
            throw Catalog.translate("recording references of blob " + parent.shortHex(), e);
        }
    }

    /**
     * Replaces the recorded references of {@code parent} by {@code children}, leaving refcounts alone: for
     * {@code check --read-trees --repair}, which recomputes every refcount afterwards.
     */
    public static void replaceChildren(Tx tx, ChunkId parent, Map<ChunkId, Integer> children) throws IOException {
        try (PreparedStatement del = tx.connection().prepareStatement("DELETE FROM blob_children WHERE parent = ?")) {
            del.setBytes(1, parent.toBytes());
            del.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("replacing references of blob " + parent.shortHex(), e);
        }
        PartnerCatalog.insertEdges(tx, parent, children);
    }

    /** Adds {@code delta} to the refcount of each blob (a snapshot record taking or dropping its root). */
    public static void adjustRefcounts(Tx tx, Map<ChunkId, Long> delta) throws IOException {
        ChunkIndex.adjustRefcounts(tx, delta);
    }

    /** Drops the edges of a freed parent and the references they held. */
    static void dropChildren(Tx tx, ChunkId parent) throws IOException {
        try {
            Map<ChunkId, Long> delta = new HashMap<>();
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT child, n FROM blob_children WHERE parent = ?")) {
                ps.setBytes(1, parent.toBytes());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        delta.merge(ChunkId.of(rs.getBytes(1)), -rs.getLong(2), Long::sum);
                    }
                }
            }
            if (delta.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM blob_children WHERE parent = ?")) {
                ps.setBytes(1, parent.toBytes());
                ps.executeUpdate();
            }
            ChunkIndex.adjustRefcounts(tx, delta);
        } catch (SQLException e) {
            throw Catalog.translate("dropping references of blob " + parent.shortHex(), e);
        }
    }

    /** References each blob receives from other blobs' edges and from snapshot roots, for {@code check}. */
    static Map<ChunkId, Long> countBlobReferences(Tx tx) throws IOException {
        Map<ChunkId, Long> out = new HashMap<>();
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT child, SUM(n) FROM blob_children GROUP BY child");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.merge(ChunkId.of(rs.getBytes(1)), rs.getLong(2), Long::sum);
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT root_id, COUNT(*) FROM snapshots GROUP BY root_id");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.merge(ChunkId.of(rs.getBytes(1)), rs.getLong(2), Long::sum);
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("counting blob references", e);
        }
    }
}
