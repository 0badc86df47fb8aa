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

    /** Clears every partner location, pack, record, hold, manifest entry and partner meta value. */
    public static void startOver(Tx tx) throws IOException {
        OnlyAtPartner only = onlyAtPartner(tx);
        if (only.blobs() > 0) {
            throw new StoreException(only.blobs() + " blobs (" + only.storedBytes() + " bytes) exist only at the old"
                    + " partner (evicted by the cache limit): read them back first, e.g. `pactfs restore` of every"
                    + " snapshot with the cache limit off, or keep the old partner");
        }
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
