package dev.pactfs.store;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/** SQL the snapshot layer will own, for partner tests until it lands (forget = delete the row). */
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
}
