package dev.pactfs.store;

/** Schema migration 4: what the partner layer adds to the catalog (owned by the partner layer's authors). */
final class PartnerTables {

    private PartnerTables() {
    }

    static final String[] MIGRATION = {
        "CREATE INDEX IF NOT EXISTS replication_queue_time ON replication_queue(enqueued_ms)",
        // chunks.partner_pack (SHA-256 name of the partner pack) and partner_offset exist since migration 1.
        "CREATE INDEX chunks_partner ON chunks(partner_pack)",
        // Every pack this repo published at the partner: its name is the SHA-256 of its bytes, so it doubles as
        // the hash `audit` compares a read-back against. index_name: the index file describing it.
        "CREATE TABLE partner_packs (name BINARY(32) PRIMARY KEY, size BIGINT NOT NULL, blobs INT NOT NULL,"
                + " index_name BINARY(32) NOT NULL, uploaded_ms BIGINT NOT NULL)",
        // Snapshot records published at the partner (file = SHA-256 name of snapshots/<file>).
        "CREATE TABLE partner_snapshots (snapshot_id BIGINT PRIMARY KEY, file BINARY(32) NOT NULL,"
                + " written_ms BIGINT NOT NULL)",
    };
}
