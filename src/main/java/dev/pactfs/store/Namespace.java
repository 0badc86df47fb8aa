package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code inodes} and {@code dentries} tables: the live tree's namespace.
 *
 * <p>Each update touches only the columns it names, so that two writers changing different attributes of one
 * inode (a chmod and a content commit) cannot undo each other. Callers keep the invariants (nlink equals the
 * number of entries; a directory's nlink is 2 + its subdirectories); this class only stores rows.
 */
public final class Namespace {

    /** The root directory's inode number. */
    public static final long ROOT_INO = 1;

    private static final String COLUMNS =
            "ino, kind, mode, uid, gid, size, nlink, rdev, atime_ns, mtime_ns, ctime_ns, btime_ns, symlink";

    private Namespace() {
    }

    /** One directory entry with the type of the inode it names. */
    public record Dentry(byte[] name, long ino, int kind) {
    }

    public static InodeRecord get(Tx tx, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT " + COLUMNS + " FROM inodes WHERE ino = ?")) {
            ps.setLong(1, ino);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? toRecord(rs) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("reading inode " + ino, e);
        }
    }

    public static void insert(Tx tx, InodeRecord r) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO inodes (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, r.ino());
            ps.setInt(2, r.kind());
            ps.setInt(3, r.mode());
            ps.setInt(4, r.uid());
            ps.setInt(5, r.gid());
            ps.setLong(6, r.size());
            ps.setInt(7, r.nlink());
            ps.setLong(8, r.rdev());
            ps.setLong(9, r.atimeNs());
            ps.setLong(10, r.mtimeNs());
            ps.setLong(11, r.ctimeNs());
            ps.setLong(12, r.btimeNs());
            ps.setBytes(13, r.symlink());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("creating inode " + r.ino(), e);
        }
    }

    /** Deletes the inode row (its entries, chunk list and xattrs are the caller's to remove). */
    public static void delete(Tx tx, long ino) throws IOException {
        update(tx, "DELETE FROM inodes WHERE ino = ?", ino);
    }

    public static void setMode(Tx tx, long ino, int mode, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET mode = ?, ctime_ns = ? WHERE ino = ?", mode, ctimeNs, ino);
    }

    public static void setOwner(Tx tx, long ino, int uid, int gid, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET uid = ?, gid = ?, ctime_ns = ? WHERE ino = ?", uid, gid, ctimeNs, ino);
    }

    public static void setTimes(Tx tx, long ino, long atimeNs, long mtimeNs, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET atime_ns = ?, mtime_ns = ?, ctime_ns = ? WHERE ino = ?",
                atimeNs, mtimeNs, ctimeNs, ino);
    }

    public static void setCtime(Tx tx, long ino, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET ctime_ns = ? WHERE ino = ?", ctimeNs, ino);
    }

    /** A directory's entries changed: mtime and ctime become {@code nowNs}. */
    public static void touchDir(Tx tx, long ino, long nowNs) throws IOException {
        update(tx, "UPDATE inodes SET mtime_ns = ?, ctime_ns = ? WHERE ino = ?", nowNs, nowNs, ino);
    }

    /** A regular file's committed content changed: its size, and mtime/ctime. */
    public static void setContent(Tx tx, long ino, long size, long mtimeNs, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET size = ?, mtime_ns = ?, ctime_ns = ? WHERE ino = ?", size, mtimeNs, ctimeNs, ino);
    }

    /** Adds {@code delta} to the link count and sets ctime. */
    public static void addNlink(Tx tx, long ino, int delta, long ctimeNs) throws IOException {
        update(tx, "UPDATE inodes SET nlink = nlink + ?, ctime_ns = ? WHERE ino = ?", delta, ctimeNs, ino);
    }

    /** Adds {@code delta} to the link count of a directory, together with its mtime/ctime. */
    public static void addDirNlink(Tx tx, long ino, int delta, long nowNs) throws IOException {
        update(tx, "UPDATE inodes SET nlink = nlink + ?, mtime_ns = ?, ctime_ns = ? WHERE ino = ?",
                delta, nowNs, nowNs, ino);
    }

    /** The inode named {@code name} in directory {@code parent}, or null. */
    public static Long lookup(Tx tx, long parent, byte[] name) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT ino FROM dentries WHERE parent = ? AND name = ?")) {
            ps.setLong(1, parent);
            ps.setBytes(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up an entry of inode " + parent, e);
        }
    }

    public static void link(Tx tx, long parent, byte[] name, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "INSERT INTO dentries (parent, name, ino) VALUES (?, ?, ?)")) {
            ps.setLong(1, parent);
            ps.setBytes(2, name);
            ps.setLong(3, ino);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("adding an entry to inode " + parent, e);
        }
    }

    /** Removes the entry; true when it existed. */
    public static boolean unlink(Tx tx, long parent, byte[] name) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "DELETE FROM dentries WHERE parent = ? AND name = ?")) {
            ps.setLong(1, parent);
            ps.setBytes(2, name);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw Catalog.translate("removing an entry of inode " + parent, e);
        }
    }

    /** Points an existing entry at another inode (rename over an existing name). */
    public static void relink(Tx tx, long parent, byte[] name, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE dentries SET ino = ? WHERE parent = ? AND name = ?")) {
            ps.setLong(1, ino);
            ps.setLong(2, parent);
            ps.setBytes(3, name);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("replacing an entry of inode " + parent, e);
        }
    }

    /** The entries of {@code parent} in name byte order, with their kinds. */
    public static List<Dentry> list(Tx tx, long parent) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT d.name, d.ino, i.kind FROM dentries d JOIN inodes i ON i.ino = d.ino WHERE d.parent = ?"
                        + " ORDER BY d.name")) {
            ps.setLong(1, parent);
            List<Dentry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Dentry(rs.getBytes(1), rs.getLong(2), rs.getInt(3)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing inode " + parent, e);
        }
    }

    public static boolean hasEntries(Tx tx, long parent) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT 1 FROM dentries WHERE parent = ? LIMIT 1")) {
            ps.setLong(1, parent);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw Catalog.translate("listing inode " + parent, e);
        }
    }

    /** The directory holding directory {@code ino} (directories have exactly one entry), or null for the root. */
    public static Long parentOf(Tx tx, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT parent FROM dentries WHERE ino = ? LIMIT 1")) {
            ps.setLong(1, ino);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("finding the parent of inode " + ino, e);
        }
    }

    /** Inodes that no entry names any more ({@code nlink <= 0}). */
    public static List<Long> orphans(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT ino FROM inodes WHERE nlink <= 0")) {
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing orphan inodes", e);
        }
    }

    /** The highest inode number in use (0 when there is none). */
    public static long maxIno(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT COALESCE(MAX(ino), 0) FROM inodes");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw Catalog.translate("reading the highest inode number", e);
        }
    }

    /** Number of inodes (for statfs). */
    public static long count(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT COUNT(*) FROM inodes");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw Catalog.translate("counting inodes", e);
        }
    }

    private static void update(Tx tx, String sql, Object... args) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof Integer v) {
                    ps.setInt(i + 1, v);
                } else {
                    ps.setLong(i + 1, (Long) args[i]);
                }
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("updating inode " + args[args.length - 1], e);
        }
    }

    private static InodeRecord toRecord(ResultSet rs) throws SQLException {
        return new InodeRecord(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getLong(6),
                rs.getInt(7), rs.getLong(8), rs.getLong(9), rs.getLong(10), rs.getLong(11), rs.getLong(12),
                rs.getBytes(13));
    }
}
