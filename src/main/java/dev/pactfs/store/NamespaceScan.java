package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole live namespace read with four table scans (inodes, dentries, file chunk lists, xattrs) instead of
 * one query per inode: what a snapshot freezes. Run it inside {@link Catalog#readConsistent} so the four scans
 * see one state. Orphans ({@code nlink <= 0}) are left out: no entry names them.
 */
public final class NamespaceScan {

    /** Every inode by number. */
    public final Map<Long, InodeRecord> inodes = new HashMap<>();
    /** Every directory's entries, in name byte order. */
    public final Map<Long, List<Namespace.Dentry>> entries = new HashMap<>();
    /** Every regular file's chunk list, in file order. */
    public final Map<Long, List<ChunkRef>> chunks = new HashMap<>();
    /** Every inode's xattrs as (name, value) pairs, in name byte order. */
    public final Map<Long, List<byte[][]>> xattrs = new HashMap<>();

    private NamespaceScan() {
    }

    /**
     * A value that changes whenever the namespace or a committed file changes (latest ctime, inode count): what
     * idle detection compares.
     */
    public static String changeMarker(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COALESCE(MAX(ctime_ns), 0), COUNT(*) FROM inodes");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1) + "/" + rs.getLong(2);
        } catch (SQLException e) {
            throw Catalog.translate("reading the namespace change marker", e);
        }
    }

    public static NamespaceScan read(Tx tx) throws IOException {
        NamespaceScan s = new NamespaceScan();
        try {
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT ino, kind, mode, uid, gid, size, nlink, rdev, atime_ns, mtime_ns, ctime_ns, btime_ns, symlink"
                            + " FROM inodes WHERE nlink > 0");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    InodeRecord r = new InodeRecord(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4),
                            rs.getInt(5), rs.getLong(6), rs.getInt(7), rs.getLong(8), rs.getLong(9), rs.getLong(10),
                            rs.getLong(11), rs.getLong(12), rs.getBytes(13));
                    s.inodes.put(r.ino(), r);
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT d.parent, d.name, d.ino, i.kind FROM dentries d JOIN inodes i ON i.ino = d.ino"
                            + " ORDER BY d.parent, d.name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    s.entries.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new Namespace.Dentry(rs.getBytes(2), rs.getLong(3), rs.getInt(4)));
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT ino, length, chunk_id FROM file_chunks ORDER BY ino, file_offset");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    byte[] id = rs.getBytes(3);
                    s.chunks.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new ChunkRef(id == null ? null : ChunkId.of(id), rs.getInt(2)));
                }
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT ino, name, val FROM xattrs ORDER BY ino, name");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    s.xattrs.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>())
                            .add(new byte[][] {rs.getBytes(2), rs.getBytes(3)});
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("scanning the namespace", e);
        }
        return s;
    }
}
