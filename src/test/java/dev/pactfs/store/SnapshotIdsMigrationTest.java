package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.pactfs.crypto.ChunkId;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration 10 (decision 0011): a catalog of schema 9, with snapshots whose format-1 records are at the partner,
 * gets stable ids (derived from the published record's file, as a recovery of that copy derives them), parents by
 * stable id, and the format of each published record; a rename then retires a child's record only while it is
 * format 1.
 */
@Timeout(120)
class SnapshotIdsMigrationTest {

    @TempDir
    Path dir;

    private static byte[] file(int b) {
        byte[] f = new byte[32];
        Arrays.fill(f, (byte) b);
        f[31] = 0x7f;
        return f;
    }

    private static List<String> unreplicated(StoreFixture f) throws Exception {
        return f.catalog.transaction(PartnerCatalog::unreplicatedSnapshots).stream()
                .map(PartnerCatalog.SnapshotRow::name).toList();
    }

    @Test
    void existingSnapshotsGetIdsFromTheirPublishedRecordsAndParentsByIdAndARenameRetiresOnlyFormatOneChildren()
            throws Exception {
        StoreFixture f = StoreFixture.create(dir);
        ChunkId root = f.store.put(new byte[] {1, 2, 3, 4});
        long[] ids = new long[3];
        f.catalog.transaction(tx -> {
            ids[0] = Snapshots.insert(tx, "s1", 1_000, "h", null, root, null, null);
            ids[1] = Snapshots.insert(tx, "s2", 2_000, "h", "a,b", root, ids[0], "s1");
            ids[2] = Snapshots.insert(tx, "s3", 3_000, "h", null, root, ids[1], "s2");
            PartnerCatalog.recordSnapshot(tx, ids[0], file(1), 1);
            PartnerCatalog.recordSnapshot(tx, ids[1], file(2), 1);
            return null;
        });
        f.close();
        // Back to schema 9: what a catalog written before this change holds.
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + dir.resolve(Catalog.DB_NAME).toAbsolutePath(),
                "pactfs", ""); Statement st = c.createStatement()) {
            st.execute("DROP INDEX snapshots_stable_id");
            st.execute("ALTER TABLE snapshots DROP COLUMN stable_id");
            st.execute("ALTER TABLE snapshots DROP COLUMN parent_stable_id");
            st.execute("ALTER TABLE partner_snapshots DROP COLUMN record_format");
            st.execute("DELETE FROM schema_version WHERE version > 9");
        }
        try (StoreFixture g = StoreFixture.open(dir, f.keys)) {
            List<Snapshots.Row> rows = g.catalog.transaction(Snapshots::list);
            assertEquals(SnapshotId.derivedFrom(file(1)), rows.get(0).stableId());
            assertEquals(SnapshotId.derivedFrom(file(2)), rows.get(1).stableId());
            assertNotNull(rows.get(2).stableId()); // unpublished: a random one
            assertNotEquals(rows.get(1).stableId(), rows.get(2).stableId());
            assertEquals(null, rows.get(0).parentStableId());
            assertEquals(rows.get(0).stableId(), rows.get(1).parentStableId());
            assertEquals(rows.get(1).stableId(), rows.get(2).parentStableId());
            assertEquals("a,b", rows.get(1).tag());

            // s2's record names s1 by name (format 1): renaming s1 retires both.
            g.catalog.transaction(tx -> {
                PartnerCatalog.recordSnapshot(tx, ids[2], file(3), 2);
                Snapshots.rename(tx, Snapshots.byName(tx, "s1"), "monday");
                return null;
            });
            assertEquals(List.of("monday", "s2"), unreplicated(g));
            // Republished as format 2, a child names its parent by stable id: a rename retires the parent's only.
            g.catalog.transaction(tx -> {
                PartnerCatalog.recordSnapshot(tx, ids[0], file(4), 2);
                PartnerCatalog.recordSnapshot(tx, ids[1], file(5), 2);
                Snapshots.rename(tx, Snapshots.byName(tx, "monday"), "tuesday");
                Snapshots.rename(tx, Snapshots.byName(tx, "s2"), "wednesday");
                return null;
            });
            assertEquals(List.of("tuesday", "wednesday"), unreplicated(g));
            Snapshots.Row s3 = g.catalog.transaction(tx -> Snapshots.byName(tx, "s3"));
            assertEquals("wednesday", s3.parentName());
            assertEquals(rows.get(1).stableId(), s3.parentStableId());
        }
    }
}
