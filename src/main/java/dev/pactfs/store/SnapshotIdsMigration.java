package dev.pactfs.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Schema migration 10: snapshot record format 2 (decision 0011). Every snapshot gets its stable id, and the stable
 * id of its parent; the partner_snapshots row says which record format the published file holds, so that a rename
 * retires the records of the children only while they name their parent by name (format 1).
 *
 * <p>An existing snapshot whose format-1 record is at the partner gets the id {@link SnapshotId#derivedFrom} that
 * file, as a recovery of the copy would (the two agree, so a copy holding both that record and a later format-2
 * one describes one snapshot, not two); any other a random one. Rows only: no blob is read.
 */
final class SnapshotIdsMigration {

    private SnapshotIdsMigration() {
    }

    static void apply(Connection c, Statement st) throws SQLException {
        st.execute("ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS stable_id BINARY(16)");
        st.execute("ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS parent_stable_id BINARY(16)");
        // 1: the file names its parent by name (written before this migration, or recovered from such a copy).
        st.execute("ALTER TABLE partner_snapshots ADD COLUMN IF NOT EXISTS record_format TINYINT DEFAULT 1 NOT NULL");
        // A record retired by a rename or re-tag: the snapshot it described (same root), so that its successor is
        // published even when some of its blobs were lost at the partner (the retired record named them too).
        st.execute("ALTER TABLE partner_snapshots ADD COLUMN IF NOT EXISTS retired_from BIGINT");
        try (PreparedStatement rows = c.prepareStatement("SELECT s.id, p.file FROM snapshots s"
                + " LEFT JOIN partner_snapshots p ON p.snapshot_id = s.id WHERE s.stable_id IS NULL");
             PreparedStatement set = c.prepareStatement("UPDATE snapshots SET stable_id = ? WHERE id = ?");
             ResultSet rs = rows.executeQuery()) {
            while (rs.next()) {
                byte[] file = rs.getBytes(2);
                set.setBytes(1, (file == null ? SnapshotId.random() : SnapshotId.derivedFrom(file)).toBytes());
                set.setLong(2, rs.getLong(1));
                set.addBatch();
            }
            set.executeBatch();
        }
        // A forgotten parent's local id dangles: that child keeps its parent's name only.
        st.execute("UPDATE snapshots s SET parent_stable_id = (SELECT p.stable_id FROM snapshots p WHERE p.id = s.parent)"
                + " WHERE s.parent IS NOT NULL AND s.parent_stable_id IS NULL");
        st.execute("ALTER TABLE snapshots ALTER COLUMN stable_id SET NOT NULL");
        st.execute("CREATE UNIQUE INDEX IF NOT EXISTS snapshots_stable_id ON snapshots(stable_id)");
    }
}
