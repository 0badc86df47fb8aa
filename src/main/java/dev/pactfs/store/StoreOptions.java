package dev.pactfs.store;

/**
 * Tuning of an open {@link ChunkStore}.
 *
 * @param cacheBytes     bound of the plaintext chunk cache, in bytes
 * @param inflightBytes  bound of chunk bytes queued in or being processed by the put pipeline, in bytes; it
 *                       bounds memory and makes a fast writer wait for the workers
 * @param workers        threads of the put pipeline (hash, compress, encrypt, append)
 * @param deltas         store new chunks as deltas against similar stored chunks when that is smaller (issue 6);
 *                       reading deltas works either way
 */
public record StoreOptions(long cacheBytes, long inflightBytes, int workers, boolean deltas) {

    public StoreOptions(long cacheBytes, long inflightBytes, int workers) {
        this(cacheBytes, inflightBytes, workers, !"false".equals(System.getProperty("pactfs.deltas")));
    }

    public static StoreOptions defaults() {
        return new StoreOptions(256L << 20, 64L << 20, Runtime.getRuntime().availableProcessors());
    }
}
