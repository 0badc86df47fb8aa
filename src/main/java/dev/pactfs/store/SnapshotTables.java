package dev.pactfs.store;

/** Schema migration 3: what the snapshot layer adds to the catalog (owned by the snapshot layer's authors). */
final class SnapshotTables {

    private SnapshotTables() {
    }

    static final String[] MIGRATION = {
        "CREATE INDEX IF NOT EXISTS snapshots_time ON snapshots(time_ms)",
        // The parent by name too: local ids are not kept across a recovery, and a forgotten parent's id dangles.
        "ALTER TABLE snapshots ADD COLUMN IF NOT EXISTS parent_name VARCHAR(255)",
        // Snapshots forgotten locally whose removal the partner side of prune has not yet taken over. Written in
        // the same transaction that deletes the snapshot row, cleared once a PruneListener has handled it, so a
        // kill -9 in between loses nothing.
        "CREATE TABLE IF NOT EXISTS snapshots_forgotten (name VARCHAR(255) PRIMARY KEY, time_ms BIGINT NOT NULL,"
                + " root_id BINARY(32) NOT NULL, forgotten_ms BIGINT NOT NULL)",
    };
}
