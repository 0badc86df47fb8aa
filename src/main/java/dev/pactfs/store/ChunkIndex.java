package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The {@code chunks} table: where each stored blob lives and how many references it has. */
final class ChunkIndex {

    private ChunkIndex() {
    }

    /** An index row. {@code packId} is null when the local payload was evicted. */
    record Entry(ChunkId id, int kind, int plainSize, int storedSize, long refcount, Long packId, long packOffset) {
    }

    static Entry find(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT kind, plain_size, stored_size, refcount, pack_id, pack_offset FROM chunks WHERE id = ?")) {
            ps.setBytes(1, id.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                long pack = rs.getLong(5);
                Long packId = rs.wasNull() ? null : pack;
                return new Entry(id, rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getLong(4), packId, rs.getLong(6));
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up chunk " + id.shortHex(), e);
        }
    }

    static final String FIND_SQL =
            "SELECT kind, plain_size, stored_size, refcount, pack_id, pack_offset FROM chunks WHERE id = ?";

    /** As {@link #find(Tx, ChunkId)} through a prepared {@link #FIND_SQL} statement kept by the caller. */
    static Entry find(PreparedStatement ps, ChunkId id) throws SQLException {
        ps.setBytes(1, id.toBytes());
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            long pack = rs.getLong(5);
            Long packId = rs.wasNull() ? null : pack;
            return new Entry(id, rs.getInt(1), rs.getInt(2), rs.getInt(3), rs.getLong(4), packId, rs.getLong(6));
        }
    }

    /** Inserts new rows (refcount 0) in one batch. */
    static void insertAll(Tx tx, List<Entry> rows) throws IOException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO chunks (id, kind, plain_size, stored_size, refcount, pack_id, pack_offset, created_ms)"
                        + " VALUES (?, ?, ?, ?, 0, ?, ?, ?)")) {
            long now = System.currentTimeMillis();
            for (Entry e : rows) {
                ps.setBytes(1, e.id().toBytes());
                ps.setInt(2, e.kind());
                ps.setInt(3, e.plainSize());
                ps.setInt(4, e.storedSize());
                ps.setLong(5, e.packId());
                ps.setLong(6, e.packOffset());
                ps.setLong(7, now);
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("indexing " + rows.size() + " chunks", e);
        }
    }

    static void insert(Tx tx, ChunkId id, int kind, int plainSize, int storedSize, long packId, long packOffset)
            throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO chunks (id, kind, plain_size, stored_size, refcount, pack_id, pack_offset, created_ms)"
                        + " VALUES (?, ?, ?, ?, 0, ?, ?, ?)")) {
            ps.setBytes(1, id.toBytes());
            ps.setInt(2, kind);
            ps.setInt(3, plainSize);
            ps.setInt(4, storedSize);
            ps.setLong(5, packId);
            ps.setLong(6, packOffset);
            ps.setLong(7, System.currentTimeMillis());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("indexing chunk " + id.shortHex(), e);
        }
    }

    static void relocate(Tx tx, ChunkId id, long packId, long packOffset) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE chunks SET pack_id = ?, pack_offset = ? WHERE id = ?")) {
            ps.setLong(1, packId);
            ps.setLong(2, packOffset);
            ps.setBytes(3, id.toBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("relocating chunk " + id.shortHex(), e);
        }
    }

    /** Adds each delta to its chunk's refcount; a reference to an unknown chunk is a bug in the caller. */
    static void adjustRefcounts(Tx tx, Map<ChunkId, Long> delta) throws IOException {
        if (delta.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE chunks SET refcount = refcount + ? WHERE id = ?")) {
            // Sorted, so that two transactions lock shared rows in the same order and cannot deadlock.
            List<Map.Entry<ChunkId, Long>> sorted = new ArrayList<>(delta.entrySet());
            sorted.sort(Map.Entry.comparingByKey());
            for (Map.Entry<ChunkId, Long> e : sorted) {
                if (e.getValue() == 0) {
                    continue;
                }
                ps.setLong(1, e.getValue());
                ps.setBytes(2, e.getKey().toBytes());
                if (ps.executeUpdate() != 1) {
                    throw new IllegalStateException("reference to chunk " + e.getKey() + " which is not in the index");
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("updating refcounts", e);
        }
    }

    /** Ids with refcount 0 (candidates for garbage collection), at most {@code limit}. */
    static List<Entry> unreferenced(Tx tx, int limit) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT id, kind, plain_size, stored_size, pack_id, pack_offset FROM chunks WHERE refcount <= 0 LIMIT ?")) {
            ps.setInt(1, limit);
            List<Entry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long pack = rs.getLong(5);
                    Long packId = rs.wasNull() ? null : pack;
                    out.add(new Entry(ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getInt(4), 0,
                            packId, rs.getLong(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing unreferenced chunks", e);
        }
    }

    /** Deletes the row if its refcount is still 0; true when it did. */
    static boolean deleteIfUnreferenced(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "DELETE FROM chunks WHERE id = ? AND refcount <= 0")) {
            ps.setBytes(1, id.toBytes());
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw Catalog.translate("deleting chunk " + id.shortHex(), e);
        }
    }

    /** Live entries stored in local pack {@code packId}, in pack order. */
    static List<Entry> inPack(Tx tx, long packId) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT id, kind, plain_size, stored_size, refcount, pack_offset FROM chunks WHERE pack_id = ?"
                        + " ORDER BY pack_offset")) {
            ps.setLong(1, packId);
            List<Entry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Entry(ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getInt(4),
                            rs.getLong(5), packId, rs.getLong(6)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing pack " + packId, e);
        }
    }

    /** Every index entry, for {@code check}: calls {@code visitor} once per row. */
    static void forEach(Tx tx, EntryVisitor visitor) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT id, kind, plain_size, stored_size, refcount, pack_id, pack_offset FROM chunks ORDER BY pack_id, pack_offset")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long pack = rs.getLong(6);
                    Long packId = rs.wasNull() ? null : pack;
                    visitor.visit(new Entry(ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getInt(4),
                            rs.getLong(5), packId, rs.getLong(7)));
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("scanning chunk index", e);
        }
    }

    @FunctionalInterface
    interface EntryVisitor {
        void visit(Entry e) throws IOException;
    }

    /** Number of references to each chunk held by file chunk lists (what refcounts must equal, for check). */
    static Map<ChunkId, Long> countFileReferences(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT chunk_id, COUNT(*) FROM file_chunks WHERE chunk_id IS NOT NULL GROUP BY chunk_id")) {
            Map<ChunkId, Long> out = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(ChunkId.of(rs.getBytes(1)), rs.getLong(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("counting references", e);
        }
    }

    /** Bytes of live records (header included) per local pack id. */
    static Map<Long, Long> liveBytesPerPack(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT pack_id, SUM(stored_size + " + LocalPacks.RECORD_HEADER + ") FROM chunks"
                        + " WHERE pack_id IS NOT NULL GROUP BY pack_id")) {
            Map<Long, Long> out = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getLong(1), rs.getLong(2));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("summing live bytes", e);
        }
    }
}
