package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code file_chunks} table: each file's content as an ordered list of {@link ChunkRef}s keyed by file
 * offset. Every change adjusts the refcounts of the chunks it adds and drops in the same transaction, so the
 * catalog never holds a reference that is not counted.
 */
public final class FileChunkLists {

    private FileChunkLists() {
    }

    /** The file's chunk list in order; empty for an empty or unknown file. */
    public static List<ChunkRef> load(Tx tx, long ino) throws IOException {
        return query(tx, ino, 0, Long.MAX_VALUE);
    }

    /**
     * The refs overlapping {@code [from, to)}, each with its file offset, in order: the reader's range lookup.
     */
    public static List<Placed> range(Tx tx, long ino, long from, long to) throws IOException {
        String sql = "SELECT file_offset, length, chunk_id FROM file_chunks WHERE ino = ? AND file_offset < ?"
                + " AND file_offset >= (SELECT COALESCE(MAX(file_offset), 0) FROM file_chunks WHERE ino = ? AND file_offset <= ?)"
                + " ORDER BY file_offset";
        try (PreparedStatement ps = tx.connection().prepareStatement(sql)) {
            ps.setLong(1, ino);
            ps.setLong(2, to);
            ps.setLong(3, ino);
            ps.setLong(4, from);
            List<Placed> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Placed(rs.getLong(1), toRef(rs)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("reading chunk list of inode " + ino, e);
        }
    }

    /** A ref at its offset in the file. */
    public record Placed(long offset, ChunkRef ref) {
        public long end() {
            return offset + ref.length();
        }
    }

    /** Replaces the whole chunk list of {@code ino} with {@code refs} (which start at offset 0). */
    public static void replace(Tx tx, long ino, List<ChunkRef> refs) throws IOException {
        replaceRange(tx, ino, 0, Long.MAX_VALUE, 0, refs);
    }

    /** Drops the file's chunk list (the file's last link and last open handle are gone). */
    public static void delete(Tx tx, long ino) throws IOException {
        replace(tx, ino, List.of());
    }

    /**
     * Replaces the refs whose offsets lie in {@code [from, to)} with {@code refs}, placed from offset
     * {@code newStart}. The caller keeps the list contiguous: the refs it removes must end where the refs it
     * keeps begin, which holds when {@code from} and {@code to} are existing chunk boundaries and the new refs
     * cover exactly the bytes the old ones did (or {@code to} is past the end).
     */
    public static void replaceRange(Tx tx, long ino, long from, long to, long newStart, List<ChunkRef> refs)
            throws IOException {
        Connection c = tx.connection();
        try {
            Map<ChunkId, Long> delta = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT length, chunk_id FROM file_chunks WHERE ino = ? AND file_offset >= ? AND file_offset < ?")) {
                ps.setLong(1, ino);
                ps.setLong(2, from);
                ps.setLong(3, to);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ChunkRef r = toRef(rs);
                        if (!r.isHole()) {
                            delta.merge(r.id(), -1L, Long::sum);
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM file_chunks WHERE ino = ? AND file_offset >= ? AND file_offset < ?")) {
                ps.setLong(1, ino);
                ps.setLong(2, from);
                ps.setLong(3, to);
                ps.executeUpdate();
            }
            if (!refs.isEmpty()) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO file_chunks (ino, file_offset, length, chunk_id) VALUES (?, ?, ?, ?)")) {
                    long offset = newStart;
                    for (ChunkRef r : refs) {
                        ps.setLong(1, ino);
                        ps.setLong(2, offset);
                        ps.setInt(3, r.length());
                        ps.setBytes(4, r.isHole() ? null : r.id().toBytes());
                        ps.addBatch();
                        offset += r.length();
                        if (!r.isHole()) {
                            delta.merge(r.id(), 1L, Long::sum);
                        }
                    }
                    ps.executeBatch();
                }
            }
            ChunkIndex.adjustRefcounts(tx, delta);
        } catch (SQLException e) {
            throw Catalog.translate("writing chunk list of inode " + ino, e);
        }
    }

    private static List<ChunkRef> query(Tx tx, long ino, long from, long to) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT length, chunk_id FROM file_chunks WHERE ino = ? AND file_offset >= ? AND file_offset < ?"
                        + " ORDER BY file_offset")) {
            ps.setLong(1, ino);
            ps.setLong(2, from);
            ps.setLong(3, to);
            List<ChunkRef> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(toRef(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("reading chunk list of inode " + ino, e);
        }
    }

    /** Reads (length, chunk_id) from the current row, by column label. */
    private static ChunkRef toRef(ResultSet rs) throws SQLException {
        byte[] id = rs.getBytes("chunk_id");
        return new ChunkRef(id == null ? null : ChunkId.of(id), rs.getInt("length"));
    }
}
