package dev.pactfs.store;

/**
 * Schema migration 5: what resemblance delta compression adds to the catalog (issue 6).
 *
 * <ul>
 *   <li>{@code delta_features}: super-feature → full chunk that has it ({@link FeatureIndex}). Only chunks stored
 *       in full are indexed (a delta is never a base: depth 1). Rows of freed chunks are swept by GC and ignored
 *       by lookups (joined with {@code chunks}). Migration 7 ({@link FeatureRunsMigration}) replaced this table's
 *       layout with runs of packed entries; this one is kept as released (a migration is never edited).
 *   <li>{@code delta_chunks}: one row per chunk stored as a delta: its base, the generation (hint-chain length
 *       since the base), and the bytes the delta saved against plain zstd (for stats). The reference that keeps
 *       the base alive is the {@code blob_children} edge delta → base, not this table.
 * </ul>
 */
final class DeltaTables {

    private DeltaTables() {
    }

    static final String[] MIGRATION = {
        "CREATE TABLE delta_features (sf BIGINT NOT NULL, chunk_id BINARY(32) NOT NULL, PRIMARY KEY (sf, chunk_id))",
        "CREATE TABLE delta_chunks (id BINARY(32) PRIMARY KEY, base_id BINARY(32) NOT NULL, generation INT NOT NULL,"
                + " saved_bytes INT NOT NULL)",
    };
}
