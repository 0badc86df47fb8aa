package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Forgets everything home recorded about its partner copy, for {@code partner set} to a new directory: every blob
 * and every snapshot record becomes pending again, so the new copy starts from the full set and its first manifest
 * is sequence 1. Refused while some blob's only copy is at the old partner (its local payload evicted by the cache
 * limit): the new copy could never get it from home.
 */
public final class PartnerReset {

    private PartnerReset() {
    }

    /** Blobs whose payload only the old partner holds, and their stored bytes. */
    public record OnlyAtPartner(long blobs, long storedBytes) {
    }

    public static OnlyAtPartner onlyAtPartner(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(stored_size), 0) FROM chunks WHERE pack_id IS NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new OnlyAtPartner(rs.getLong(1), rs.getLong(2));
        } catch (SQLException e) {
            throw Catalog.translate("counting blobs held only at the partner", e);
        }
    }

    /**
     * The meta key of a partner move under way: the new partner's name, recorded before the repo config names it.
     * Not under "partner.": {@link #clear} clears those.
     */
    static final String MOVE_INTENT = "partner_move.to";

    /**
     * Step 1 of a move, before the config is rewritten: checks that the old copy can be forgotten and records that
     * the catalog's partner state is to be cleared once the config names {@code newPartner}. A crash before the
     * config is written leaves the old partner and its state (the intent is dropped at the next open); a crash
     * after leaves the intent, which {@link #completePending} carries out at the next open.
     */
    public static void intend(Tx tx, String newPartner) throws IOException {
        refuseIfOnlyAtPartner(tx);
        PartnerCatalog.setMeta(tx, MOVE_INTENT, newPartner);
    }

    /**
     * Step 3 of a move, and what every open of the repo does: when an intent is recorded and the config names its
     * partner ({@code configuredPartner}), clears the old copy's state; either way drops the intent.
     *
     * @return whether the partner state was cleared
     */
    public static boolean completePending(Tx tx, String configuredPartner) throws IOException {
        String to = PartnerCatalog.meta(tx, MOVE_INTENT);
        if (to == null) {
            return false;
        }
        boolean moved = to.equals(configuredPartner);
        if (moved) {
            clear(tx); // checked when the intent was recorded; nothing could evict payloads since
        }
        PartnerCatalog.setMeta(tx, MOVE_INTENT, null);
        return moved;
    }

    private static void refuseIfOnlyAtPartner(Tx tx) throws IOException {
        OnlyAtPartner only = onlyAtPartner(tx);
        if (only.blobs() > 0) {
            throw new StoreException(only.blobs() + " blobs (" + only.storedBytes() + " bytes) exist only at the old"
                    + " partner (evicted by the cache limit): read them back first, e.g. `pactfs restore` of every"
                    + " snapshot with the cache limit off, or keep the old partner");
        }
    }

    /** Clears every partner location, pack, record, hold, manifest entry and partner meta value. */
    private static void clear(Tx tx) throws IOException {
        try (Statement st = tx.connection().createStatement()) {
            st.executeUpdate("UPDATE chunks SET partner_pack = NULL, partner_offset = NULL");
            st.executeUpdate("DELETE FROM partner_packs");
            st.executeUpdate("DELETE FROM partner_snapshots");
            st.executeUpdate("DELETE FROM partner_objects");
            st.executeUpdate("DELETE FROM partner_holds");
            st.executeUpdate("DELETE FROM snapshots_forgotten"); // the old copy's prune queue
            st.executeUpdate("DELETE FROM meta WHERE k LIKE 'partner.%'");
        } catch (SQLException e) {
            throw Catalog.translate("forgetting the old partner copy", e);
        }
    }
}
