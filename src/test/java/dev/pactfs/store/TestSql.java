package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * SQL for tests: what the snapshot layer will own, for partner tests until it lands (forget = delete the row), and
 * a one-row writing transaction for the catalog's own tests and studies.
 */
public final class TestSql {

    private TestSql() {
    }

    public static void deleteSnapshot(Tx tx, long id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM snapshots WHERE id = ?")) {
            ps.setLong(1, id);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    /** Commits one writing transaction: the {@code meta} row {@code key} set to 'v'. */
    public static void putMeta(Catalog c, String key) throws IOException {
        c.transaction(tx -> {
            try (PreparedStatement ps = tx.connection().prepareStatement("MERGE INTO meta KEY(k) VALUES (?, 'v')")) {
                ps.setString(1, key);
                ps.executeUpdate();
            } catch (SQLException e) {
                throw new IOException(e);
            }
            return null;
        });
    }
}
