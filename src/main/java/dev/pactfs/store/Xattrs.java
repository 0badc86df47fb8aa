package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** The {@code xattrs} table: extended attributes per inode, names and values as raw bytes. */
public final class Xattrs {

    private Xattrs() {
    }

    /** The value of {@code name} on {@code ino}, or null when it has none. */
    public static byte[] get(Tx tx, long ino, byte[] name) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT val FROM xattrs WHERE ino = ? AND name = ?")) {
            ps.setLong(1, ino);
            ps.setBytes(2, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBytes(1) : null;
            }
        } catch (SQLException e) {
            throw Catalog.translate("reading xattr of inode " + ino, e);
        }
    }

    /** Whether any inode has an attribute called {@code name} (a scan of the table: for once at open). */
    public static boolean anyNamed(Tx tx, byte[] name) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT 1 FROM xattrs WHERE name = ? LIMIT 1")) {
            ps.setBytes(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking for xattrs named " + new String(name, java.nio.charset.StandardCharsets.UTF_8), e);
        }
    }

    /** Inserts or replaces {@code name}'s value. */
    public static void put(Tx tx, long ino, byte[] name, byte[] value) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO xattrs (ino, name, val) KEY (ino, name) VALUES (?, ?, ?)")) {
            ps.setLong(1, ino);
            ps.setBytes(2, name);
            ps.setBytes(3, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("writing xattr of inode " + ino, e);
        }
    }

    /** Removes {@code name}; true when it existed. */
    public static boolean remove(Tx tx, long ino, byte[] name) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM xattrs WHERE ino = ? AND name = ?")) {
            ps.setLong(1, ino);
            ps.setBytes(2, name);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw Catalog.translate("removing xattr of inode " + ino, e);
        }
    }

    /** Every attribute name of {@code ino}, in byte order. */
    public static List<byte[]> names(Tx tx, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT name FROM xattrs WHERE ino = ? ORDER BY name")) {
            ps.setLong(1, ino);
            List<byte[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getBytes(1));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing xattrs of inode " + ino, e);
        }
    }

    /** Drops every attribute of {@code ino} (the inode is being deleted). */
    public static void deleteAll(Tx tx, long ino) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM xattrs WHERE ino = ?")) {
            ps.setLong(1, ino);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("removing xattrs of inode " + ino, e);
        }
    }
}
