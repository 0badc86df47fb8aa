package dev.pactfs.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The catalog's schema as an ordered list of migrations. Version N of the schema is the state after
 * migration N; a database records its version in {@code schema_version}. A migration is never edited once
 * released: changes go into a new one at the end.
 */
final class Schema {

    private Schema() {
    }

    /** One migration: statements, or work that must also move rows between formats (run on the same connection). */
    @FunctionalInterface
    interface Migration {
        void apply(Connection c, Statement st) throws SQLException;
    }

    private static Migration sql(String... statements) {
        return (c, st) -> {
            for (String s : statements) {
                st.execute(s);
            }
        };
    }

    /** Migration i (0-based) brings the schema from version i to version i + 1. */
    private static final List<Migration> MIGRATIONS = List.of(
            sql(
                // One row per stored blob (chunk data now, tree blobs later). refcount counts references from
                // committed file chunk lists and snapshot trees; a row at 0 is garbage once unpinned.
                "CREATE TABLE chunks ("
                        + " id BINARY(32) PRIMARY KEY,"
                        + " kind TINYINT NOT NULL,"          // BlobType code
                        + " plain_size INT NOT NULL,"
                        + " stored_size INT NOT NULL,"       // sealed bytes, as in the pack
                        + " refcount BIGINT NOT NULL,"
                        + " pack_id BIGINT,"                 // local pack holding the payload; NULL once evicted
                        + " pack_offset BIGINT,"             // offset of the record header in that pack
                        + " partner_pack BINARY(32),"        // partner pack holding it; NULL until replicated
                        + " partner_offset BIGINT,"
                        + " created_ms BIGINT NOT NULL)",
                "CREATE INDEX chunks_pack ON chunks(pack_id)",
                "CREATE INDEX chunks_zero ON chunks(refcount)",
                // Namespace of the live tree (fs layer).
                "CREATE TABLE inodes ("
                        + " ino BIGINT PRIMARY KEY,"
                        + " kind TINYINT NOT NULL,"
                        + " mode INT NOT NULL, uid INT NOT NULL, gid INT NOT NULL,"
                        + " size BIGINT NOT NULL, nlink INT NOT NULL, rdev BIGINT NOT NULL,"
                        + " atime_ns BIGINT NOT NULL, mtime_ns BIGINT NOT NULL, ctime_ns BIGINT NOT NULL,"
                        + " btime_ns BIGINT NOT NULL,"
                        + " symlink VARBINARY(4096))",
                "CREATE TABLE dentries (parent BIGINT NOT NULL, name VARBINARY(255) NOT NULL, ino BIGINT NOT NULL,"
                        + " PRIMARY KEY (parent, name))",
                "CREATE INDEX dentries_ino ON dentries(ino)",
                // A file's content: chunks in order; chunk_id NULL is a hole of `length` zero bytes.
                "CREATE TABLE file_chunks (ino BIGINT NOT NULL, file_offset BIGINT NOT NULL, length INT NOT NULL,"
                        + " chunk_id BINARY(32), PRIMARY KEY (ino, file_offset))",
                "CREATE TABLE xattrs (ino BIGINT NOT NULL, name VARBINARY(255) NOT NULL, val VARBINARY(65536) NOT NULL,"
                        + " PRIMARY KEY (ino, name))",
                "CREATE TABLE snapshots (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255) NOT NULL UNIQUE,"
                        + " time_ms BIGINT NOT NULL, host VARCHAR(255) NOT NULL, tag VARCHAR(255),"
                        + " root_id BINARY(32) NOT NULL, parent BIGINT)",
                "CREATE TABLE replication_queue (chunk_id BINARY(32) PRIMARY KEY, enqueued_ms BIGINT NOT NULL)",
                "CREATE TABLE meta (k VARCHAR(64) PRIMARY KEY, v VARCHAR(4096) NOT NULL)"),
            sql(
                // References held by stored blobs (a tree blob on its entries' chunks and subtrees): n counts
                // how often parent names child. Counted in the child's refcount while the parent exists.
                "CREATE TABLE blob_children (parent BINARY(32) NOT NULL, child BINARY(32) NOT NULL, n INT NOT NULL,"
                        + " PRIMARY KEY (parent, child))"),
            sql(SnapshotTables.MIGRATION),
            sql(PartnerTables.MIGRATION),
            sql(DeltaTables.MIGRATION),
            sql(DeltaPruneTables.MIGRATION),
            FeatureRunsMigration::apply,
            sql(ManifestTables.MIGRATION),
            // 9: files per snapshot, for `snapshot list` and `stats`; NULL for snapshots made before (unknown).
            // IF NOT EXISTS as migration 8's CREATE: a catalog whose recorded version is older than its tables
            // (a version row lost or rolled back, as FeatureRunsMigrationTest builds one) must still migrate.
            sql("ALTER TABLE snapshot_stats ADD COLUMN IF NOT EXISTS files BIGINT"),
            // 10: stable snapshot ids, parents by stable id, and the format of each published record (decision 0011).
            SnapshotIdsMigration::apply);

    /** The schema version this build writes. */
    static final int CURRENT_VERSION = MIGRATIONS.size();

    /** Brings {@code c}'s schema to {@link #CURRENT_VERSION}; refuses a newer one. Runs in its own transaction. */
    static void migrate(Connection c) throws SQLException, StoreException {
        migrate(c, CURRENT_VERSION);
    }

    /** As {@link #migrate(Connection)}, up to version {@code target} (tests build old catalogs with it). */
    static void migrate(Connection c, int target) throws SQLException, StoreException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL)");
            int version;
            try (var rs = st.executeQuery("SELECT MAX(version) FROM schema_version")) {
                rs.next();
                version = rs.getInt(1);
            }
            if (version > CURRENT_VERSION) {
                throw new StoreException("catalog schema version " + version
                        + " is newer than this pactfs understands (" + CURRENT_VERSION + "): upgrade pactfs");
            }
            for (int v = version; v < target; v++) {
                MIGRATIONS.get(v).apply(c, st);
                st.execute("INSERT INTO schema_version VALUES (" + (v + 1) + ")");
            }
            c.commit();
        } catch (SQLException | StoreException e) {
            c.rollback();
            throw e;
        }
    }
}
