package dev.pactfs.store;

/**
 * Tuning of an open {@link ChunkStore}.
 *
 * @param cacheBytes     bound of the plaintext chunk cache, in bytes
 * @param inflightBytes  bound of chunk bytes queued in or being processed by the put pipeline, in bytes; it
 *                       bounds memory and makes a fast writer wait for the workers
 * @param workers        threads of the put pipeline (hash, compress, encrypt, append)
 */
public record StoreOptions(long cacheBytes, long inflightBytes, int workers) {

    public static StoreOptions defaults() {
        return new StoreOptions(256L << 20, 64L << 20, Runtime.getRuntime().availableProcessors());
    }
}
