package dev.pactfs.store;

/**
 * Schema migration 8: what the partner manifest adds to the catalog (issue 12).
 *
 * <p>{@code partner_objects}: every file the last manifest home published names (packs, index, repo-info and
 * snapshot-record files), with its kind ('P', 'I', 'R', 'S') and size: the set home believes the partner holds,
 * against which the next manifest is a delta and each pass's listing is checked. {@code listed}: the latest
 * listing of the partner showed the file with that size; only such packs' blobs may be evicted locally.
 * IF NOT EXISTS: a test that turns a catalog back into an older schema re-runs later migrations.
 */
final class ManifestTables {

    private ManifestTables() {
    }

    static final String[] MIGRATION = {
        "CREATE TABLE IF NOT EXISTS partner_objects (name BINARY(32) PRIMARY KEY, kind CHAR(1) NOT NULL,"
                + " size BIGINT NOT NULL, listed BOOLEAN DEFAULT FALSE NOT NULL)",
    };
}
