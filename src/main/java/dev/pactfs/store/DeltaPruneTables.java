package dev.pactfs.store;

/**
 * Schema migration 6: what prune's delta rewrite and the per-snapshot statistics add to the catalog (issue 6).
 *
 * <ul>
 *   <li>{@code partner_holds}: a delta rewritten in full at home ({@link DeltaRewrite}) while the partner still
 *       holds its old (delta) form in {@code old_pack}, whose base sits in {@code base_pack}. Partner prune leaves
 *       both packs alone until the blob's new form has a partner location (or the blob is gone at home), so the
 *       partner copy never holds a delta without its base.
 *   <li>{@code snapshot_stats}: per snapshot, recorded in the transaction that creates it: logical bytes (file
 *       sizes) and what the store added since the previous snapshot, frozen so that later frees do not change
 *       it ({@link SnapshotStats}).
 * </ul>
 */
final class DeltaPruneTables {

    private DeltaPruneTables() {
    }

    static final String[] MIGRATION = {
        "CREATE TABLE partner_holds (id BINARY(32) PRIMARY KEY, old_pack BINARY(32) NOT NULL, base_pack BINARY(32))",
        // window_end_ms: the store's clock when the figures were taken (the next window starts at the newest).
        "CREATE TABLE snapshot_stats (snapshot_id BIGINT PRIMARY KEY, window_end_ms BIGINT NOT NULL,"
                + " logical_bytes BIGINT NOT NULL,"
                + " new_blobs BIGINT NOT NULL, new_stored_bytes BIGINT NOT NULL, new_plain_bytes BIGINT NOT NULL,"
                + " deltas BIGINT NOT NULL, delta_stored_bytes BIGINT NOT NULL, delta_saved_bytes BIGINT NOT NULL)",
    };
}
