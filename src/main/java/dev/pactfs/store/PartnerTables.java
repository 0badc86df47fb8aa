package dev.pactfs.store;

/** Schema migration 4: what the partner layer adds to the catalog (owned by the partner layer's authors). */
final class PartnerTables {

    private PartnerTables() {
    }

    static final String[] MIGRATION = {
        "CREATE INDEX IF NOT EXISTS replication_queue_time ON replication_queue(enqueued_ms)",
    };
}
