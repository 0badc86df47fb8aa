package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Partner packs that must stay as they are because they hold the old (delta) form of a blob that home rewrote in
 * full, and that delta's base, until the new form reaches the partner (table {@code partner_holds}, see
 * {@link DeltaPruneTables}). Without the hold, partner prune could drop the base's pack (the base is freed at
 * home) while the partner's only copy of the blob is still the delta: a snapshot record there would then name a
 * blob nobody can decode.
 */
public final class PartnerHolds {

    private PartnerHolds() {
    }

    /** A blob whose old form sits in partner pack {@code oldPack}, its base in {@code basePack} (null: none). */
    public record Hold(ChunkId id, byte[] oldPack, byte[] basePack) {
    }

    /** Holds the partner packs of {@code id}'s current (delta) form and of its base, in the caller's transaction. */
    static void hold(Tx tx, ChunkId id, byte[] oldPack, ChunkId base) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO partner_holds (id, old_pack, base_pack) KEY (id)"
                        + " VALUES (?, ?, (SELECT partner_pack FROM chunks WHERE id = ?))")) {
            ps.setBytes(1, id.toBytes());
            ps.setBytes(2, oldPack);
            ps.setBytes(3, base.toBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("holding the partner copy of " + id.shortHex(), e);
        }
    }

    /** Holds whose blob has its new form at the partner, or is gone at home: the old form is no longer needed. */
    public static List<Hold> resolved(Tx tx) throws IOException {
        return list(tx, "SELECT h.id, h.old_pack, h.base_pack FROM partner_holds h WHERE NOT EXISTS"
                + " (SELECT 1 FROM chunks c WHERE c.id = h.id AND c.partner_pack IS NULL)");
    }

    /** Holds still in force. */
    public static List<Hold> unresolved(Tx tx) throws IOException {
        return list(tx, "SELECT h.id, h.old_pack, h.base_pack FROM partner_holds h WHERE EXISTS"
                + " (SELECT 1 FROM chunks c WHERE c.id = h.id AND c.partner_pack IS NULL)");
    }

    /** Every hold not yet released (resolved ones wait until their old form's pack is gone). */
    public static List<Hold> all(Tx tx) throws IOException {
        return list(tx, "SELECT id, old_pack, base_pack FROM partner_holds");
    }

    /** Drops a hold once its old form is gone from the partner. */
    public static void release(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM partner_holds WHERE id = ?")) {
            ps.setBytes(1, id.toBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("releasing the partner hold of " + id.shortHex(), e);
        }
    }

    private static List<Hold> list(Tx tx, String sql) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            List<Hold> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Hold(ChunkId.of(rs.getBytes(1)), rs.getBytes(2), rs.getBytes(3)));
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing partner holds", e);
        }
    }
}
