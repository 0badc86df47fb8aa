package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The partner manifest's view of the catalog ({@code partner_objects}, {@link ManifestTables}): the files the
 * last published manifest names, what home records as being at the partner, and the blobs proven off-site.
 * Names are 64 lowercase hex digits here (the partner layer's file names). Every method runs inside the
 * caller's transaction.
 */
public final class PartnerObjects {

    private PartnerObjects() {
    }

    /** A partner file: its name, kind ('P' pack, 'I' index, 'R' repo info, 'S' snapshot record) and size. */
    public record Obj(String name, char kind, long size) {
    }

    /** A pack home recorded as published: name, size and the index file describing it (null: none). */
    public record Pack(String name, long size, String index) {
    }

    /** A snapshot whose record home published and still keeps: the record file, the snapshot's name and time. */
    public record Record(String file, String name, long timeMs, long snapshotId) {
    }

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] NO_INDEX = new byte[32];

    /** The set the last manifest named, by name. */
    public static Map<String, Obj> all(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT name, kind, size FROM partner_objects");
             ResultSet rs = ps.executeQuery()) {
            Map<String, Obj> out = new TreeMap<>();
            while (rs.next()) {
                String n = HEX.formatHex(rs.getBytes(1));
                out.put(n, new Obj(n, rs.getString(2).charAt(0), rs.getLong(3)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing the manifest's partner objects", e);
        }
    }

    /** Makes the set the last manifest named {@code old} minus {@code removed} plus {@code added}. */
    public static void apply(Tx tx, Collection<Obj> added, Collection<Obj> removed) throws IOException {
        try (PreparedStatement del = tx.connection().prepareStatement("DELETE FROM partner_objects WHERE name = ?");
             PreparedStatement ins = tx.connection().prepareStatement(
                     "MERGE INTO partner_objects (name, kind, size, listed) KEY (name) VALUES (?, ?, ?, FALSE)")) {
            for (Obj o : removed) {
                del.setBytes(1, HEX.parseHex(o.name()));
                del.addBatch();
            }
            del.executeBatch();
            for (Obj o : added) {
                ins.setBytes(1, HEX.parseHex(o.name()));
                ins.setString(2, String.valueOf(o.kind()));
                ins.setLong(3, o.size());
                ins.addBatch();
            }
            ins.executeBatch();
        } catch (SQLException e) {
            throw Catalog.translate("recording the manifest's partner objects", e);
        }
    }

    /** Replaces the whole set (recover adopts the copy's manifest). */
    public static void replaceAll(Tx tx, Collection<Obj> objects) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM partner_objects")) {
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("clearing the manifest's partner objects", e);
        }
        apply(tx, objects, List.of());
    }

    /** Records which files the latest listing showed with the recorded size ({@code names}); the rest are not. */
    public static void setListed(Tx tx, Collection<String> names) throws IOException {
        try (PreparedStatement clear = tx.connection().prepareStatement("UPDATE partner_objects SET listed = FALSE");
             PreparedStatement set = tx.connection().prepareStatement(
                     "UPDATE partner_objects SET listed = TRUE WHERE name = ?")) {
            clear.executeUpdate();
            markListed(set, names);
        } catch (SQLException e) {
            throw Catalog.translate("recording the partner listing", e);
        }
    }

    /** Marks {@code names} as listed (files just published and stat'ed), leaving the others as they are. */
    public static void addListed(Tx tx, Collection<String> names) throws IOException {
        try (PreparedStatement set = tx.connection().prepareStatement(
                "UPDATE partner_objects SET listed = TRUE WHERE name = ?")) {
            markListed(set, names);
        } catch (SQLException e) {
            throw Catalog.translate("recording the partner listing", e);
        }
    }

    private static void markListed(PreparedStatement set, Collection<String> names) throws SQLException {
        int n = 0;
        for (String name : names) {
            set.setBytes(1, HEX.parseHex(name));
            set.addBatch();
            if (++n % 1000 == 0) {
                set.executeBatch();
            }
        }
        set.executeBatch();
    }

    /** Every pack home recorded as published at the partner. */
    public static List<Pack> packs(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT name, size, index_name FROM partner_packs ORDER BY name");
             ResultSet rs = ps.executeQuery()) {
            List<Pack> out = new ArrayList<>();
            while (rs.next()) {
                byte[] idx = rs.getBytes(3);
                out.add(new Pack(HEX.formatHex(rs.getBytes(1)), rs.getLong(2),
                        idx == null || java.util.Arrays.equals(idx, NO_INDEX) ? null : HEX.formatHex(idx)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing partner packs", e);
        }
    }

    /** Snapshots that exist at home and whose record home published (a forgotten one's record is not live). */
    public static List<Record> liveRecords(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT p.file, s.name, s.time_ms, s.id FROM partner_snapshots p JOIN snapshots s ON s.id = p.snapshot_id"
                        + " ORDER BY s.time_ms, s.id");
             ResultSet rs = ps.executeQuery()) {
            List<Record> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Record(HEX.formatHex(rs.getBytes(1)), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing live partner snapshot records", e);
        }
    }

    /** Records that {@code indexName} now describes pack {@code pack} (an index file re-published). */
    public static void setPackIndex(Tx tx, String pack, String indexName) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "UPDATE partner_packs SET index_name = ? WHERE name = ?")) {
            ps.setBytes(1, HEX.parseHex(indexName));
            ps.setBytes(2, HEX.parseHex(pack));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("recording a re-published index file", e);
        }
    }

    /** Blobs in {@code pack} that home holds no local payload of: lost if the pack is lost. */
    public static long blobsOnlyAtPartner(Tx tx, String pack) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*) FROM chunks WHERE partner_pack = ? AND pack_id IS NULL")) {
            ps.setBytes(1, HEX.parseHex(pack));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw Catalog.translate("counting blobs held only at the partner", e);
        }
    }

    /**
     * Blobs held locally whose partner pack is proven off-site: the current manifest names it and the latest
     * listing showed it with the recorded size. Oldest first, at most {@code limit}: what eviction may drop.
     */
    public static List<PartnerCatalog.BlobRow> provenEvictable(Tx tx, int limit) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT c.id, c.kind, c.plain_size, c.stored_size FROM chunks c JOIN partner_objects o"
                        + " ON o.name = c.partner_pack AND o.kind = 'P' AND o.listed"
                        + " JOIN partner_packs p ON p.name = c.partner_pack AND p.size = o.size"
                        + " WHERE c.pack_id IS NOT NULL ORDER BY c.created_ms, c.id LIMIT " + limit);
             ResultSet rs = ps.executeQuery()) {
            List<PartnerCatalog.BlobRow> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new PartnerCatalog.BlobRow(ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3), rs.getInt(4)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing blobs proven off-site", e);
        }
    }
}
