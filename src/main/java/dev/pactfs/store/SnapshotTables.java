package dev.pactfs.store;

/** Schema migration 3: what the snapshot layer adds to the catalog (owned by the snapshot layer's authors). */
final class SnapshotTables {

    private SnapshotTables() {
    }

    static final String[] MIGRATION = {
        "CREATE INDEX IF NOT EXISTS snapshots_time ON snapshots(time_ms)",
    };
}
