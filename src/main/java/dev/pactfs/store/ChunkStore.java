package dev.pactfs.store;

import java.util.List;
import java.util.Map;
import dev.pactfs.crypto.ChunkId;
import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;

/**
 * Content-addressed, deduplicating, compressed and encrypted chunk storage.
 *
 * <p>A chunk's id is HMAC-SHA256(K_id, plaintext). {@link #put} of a known id costs the hash and an index
 * lookup only; a new chunk is zstd-compressed (kept raw if that does not shrink it), sealed with AES-256-GCM
 * and appended to a local pack. Every {@link #get} verifies the AEAD tag and that the plaintext hashes to the
 * id; a mismatch raises {@link ChunkCorruptException} naming the chunk.
 *
 * <p>Lifecycle of a reference: {@code put} stores the chunk and <em>pins</em> it, so garbage collection cannot
 * free it before a reference is committed. The caller then commits the reference in a catalog transaction
 * ({@link FileChunkLists}, which counts it in the chunk's refcount) and calls {@link #unpin}. A chunk whose
 * refcount is 0 and that nobody pins is garbage.
 *
 * <p>Thread-safe: many threads may put and get at once.
 */
public interface ChunkStore extends Closeable {

    /** Stores {@code plain} (which the store may keep; do not modify it afterwards), pins it, returns its id. */
    ChunkId put(byte[] plain) throws IOException;

    /**
     * As {@link #put}, on the store's worker pool, so that a single sequential stream keeps every core busy.
     * The number of chunks in flight is bounded: this call blocks while the pipeline is full.
     */
    CompletableFuture<ChunkId> putAsync(byte[] plain) throws IOException;

    /** As {@link #put(byte[])}, with a delta hint as in {@link #putAsync(byte[], ChunkId)}. */
    default ChunkId put(byte[] plain, ChunkId baseHint) throws IOException {
        return put(plain);
    }

    /**
     * As {@link #putAsync(byte[])}, with a hint for delta compression: {@code baseHint} is a chunk likely similar to
     * {@code plain} (the chunk at the same offset of the previous version of the same file), or null. The store
     * may ignore it; it never changes the id or the content, only how the chunk is stored.
     */
    default CompletableFuture<ChunkId> putAsync(byte[] plain, ChunkId baseHint) throws IOException {
        return putAsync(plain);
    }

    /** Releases pins taken by {@link #put}, once per put. */
    void unpin(Collection<ChunkId> ids);

    /** The chunk's plaintext, verified. The array is shared with the cache: never modify it. */
    byte[] get(ChunkId id) throws IOException;

    /**
     * A hint that {@link #get(ChunkId)} of {@code id} will follow soon (a sequential reader's next chunks): the
     * store may load, verify and cache it in the background. Never fails; a later get reports any error.
     */
    default void prefetch(ChunkId id) {
    }

    /**
     * A hint that a sequential reader is done with {@code id}: the store may drop its plaintext from the cache
     * (a later get loads it again). Never fails.
     */
    default void release(ChunkId id) {
    }

    /**
     * Runs the put and get paths (hash, compress, seal, open, decompress, verify) on throw-away data in memory
     * for up to {@code budgetMillis}, so that the JIT has compiled them (and the AES/GHASH/SHA intrinsics are in
     * use) before the first real request: a fresh daemon otherwise serves its first seconds several times
     * slower. Stores nothing.
     */
    default void warmUp(long budgetMillis) {
    }

    /**
     * As {@link #put(byte[])} for a blob of another type (a snapshot's tree blob, say): sealed with that type in
     * its AAD, and named HMAC(K_id, typeCode | plaintext) so that it never shares an id with a file chunk.
     * Referenced, pinned and collected exactly like chunks.
     */
    ChunkId put(dev.pactfs.crypto.BlobType type, byte[] plain) throws IOException;

    /** As {@link #get(ChunkId)} for a blob of {@code type}; a blob of another type is an error. */
    byte[] get(dev.pactfs.crypto.BlobType type, ChunkId id) throws IOException;

    /** Whether the index holds {@code id}. */
    boolean contains(ChunkId id) throws IOException;

    /** Forces every stored payload and committed catalog change to the device. */
    void sync() throws IOException;

    /**
     * Frees unpinned chunks whose refcount is 0 and rewrites local packs whose dead fraction is above the
     * compaction threshold, so that the space returns to the disk.
     */
    default GcStats collectGarbage() throws IOException {
        return collectGarbage(ByteProgress.NONE);
    }

    /**
     * As {@link #collectGarbage()}, reporting to {@code progress} the bytes of the packs it compacts (the part that
     * takes time: freeing is catalog work) of the bytes of all the packs it will compact.
     */
    GcStats collectGarbage(ByteProgress progress) throws IOException;

    /**
     * Checks the store against the catalog without repairing anything: every refcount equals the references
     * held by file chunk lists, every indexed record is where the index says; with {@code readData}, every
     * payload also decrypts, decompresses and hashes to its id.
     */
    CheckReport check(boolean readData) throws IOException;

    /**
     * As {@link #check(boolean)}, telling {@code progress} (when not null) how many stored bytes it has read of how
     * many, from the checking thread; an implementation without progress ignores it.
     */
    default CheckReport check(boolean readData, CheckProgress progress) throws IOException {
        return check(readData);
    }

    /** Where {@link #check(boolean, CheckProgress)} reports the stored bytes it has gone through. */
    @FunctionalInterface
    interface CheckProgress {
        void read(long doneBytes, long totalBytes);
    }

    /**
     * As {@link #check(boolean)}, reading and verifying the payloads of the blobs {@code readData} accepts only
     * (restic's {@code --read-data-subset}); null reads none.
     */
    CheckReport check(java.util.function.Predicate<ChunkId> readData) throws IOException;

    /** As {@link #check(java.util.function.Predicate)}, with progress as {@link #check(boolean, CheckProgress)}. */
    default CheckReport check(java.util.function.Predicate<ChunkId> readData, CheckProgress progress) throws IOException {
        return check(readData);
    }

    /** What {@link #check} found; {@code problems} empty means clean. */
    record CheckReport(long chunks, long storedBytes, long bytesRead, java.util.List<String> problems) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    /**
     * The sealed bytes of a locally held blob exactly as stored (already compressed and encrypted: replication
     * ships them as they are), or null when its local payload was evicted or the id is unknown.
     */
    byte[] readSealed(ChunkId id) throws IOException;

    /**
     * Before {@code ids} cross a slow link to the partner: stores each full, zstd-framed file chunk among them again
     * at a higher zstd level when that saves at least 2 %, here first (same id, same plaintext; the old bytes become
     * garbage in their pack), so that home and partner hold the same sealed blob. Returns the bytes saved.
     */
    default long recompressForWan(java.util.Collection<ChunkId> ids) throws IOException {
        return 0;
    }

    /**
     * Gives an indexed blob without a local payload (evicted, or recovered from the partner) its payload again:
     * {@code sealed} is verified like every read (AEAD tag, plaintext hash) and appended to a local pack.
     *
     * @throws ChunkCorruptException {@code sealed} does not verify; nothing is stored
     */
    default void adoptSealed(ChunkId id, byte[] sealed) throws IOException {
        Map<ChunkId, ChunkCorruptException> bad = adoptSealed(List.of(new Sealed(id, sealed)));
        if (!bad.isEmpty()) {
            throw bad.get(id);
        }
    }

    /**
     * {@link #adoptSealed(ChunkId, byte[])} for many blobs with one catalog transaction for all of them (recover
     * adopts a whole partner pack at once: a transaction per blob was most of its time). Blobs that already have
     * a local payload are skipped, so a repeated call is a no-op. A blob that does not verify is not stored and
     * is returned with its reason; the others are stored.
     */
    Map<ChunkId, ChunkCorruptException> adoptSealed(List<Sealed> blobs) throws IOException;

    /** A blob's id and its sealed bytes as fetched. */
    record Sealed(ChunkId id, byte[] bytes) {
    }

    /**
     * For a rerun of an interrupted {@code recover}, after the catalog was rebuilt from the partner copy and before
     * payloads are fetched: gives each indexed blob without a local payload a record that a local pack already
     * holds for it, verified as a read verifies it (kind, length, AEAD tag, plaintext hash; a delta against its
     * base, which must be local). Reads nothing from the partner. Records not taken stay as dead bytes for
     * compaction. Not for use while anything else reads or writes the store.
     */
    default Reused reuseLocalRecords() throws IOException {
        return new Reused(0, 0, 0);
    }

    /**
     * What {@link #reuseLocalRecords} did: {@code blobs} given their payload back from local records of
     * {@code sealedBytes} in all, {@code rejected} records that matched a row but did not verify.
     */
    record Reused(long blobs, long sealedBytes, long rejected) {
    }

    /**
     * After {@code recover} built the catalog from the partner copy: rebuilds the delta bookkeeping of recovered
     * deltas and the super-features of locally held full chunks, so that delta compression finds bases among
     * recovered data. Idempotent. Returns how many chunks it indexed.
     */
    default int rebuildDeltaIndex() throws IOException {
        return 0;
    }

    /** Sets where reads of evicted blobs go (the partner); null: such reads fail with a clear message. */
    void setRemoteFetcher(RemoteFetcher fetcher);

    /** The catalog this store indexes into. */
    Catalog catalog();

    /** Counters since open. */
    StoreStats stats();

    /** What one garbage collection did. */
    record GcStats(long chunksFreed, long bytesFreed, int packsRewritten, long bytesReclaimed, int deltasRewritten) {
        /** Without delta rewrites (stores that never make deltas). */
        public GcStats(long chunksFreed, long bytesFreed, int packsRewritten, long bytesReclaimed) {
            this(chunksFreed, bytesFreed, packsRewritten, bytesReclaimed, 0);
        }
    }

    /** Cumulative counters since the store was opened. */
    record StoreStats(long chunksPut, long chunksNew, long plainBytesNew, long storedBytesNew, long plainBytesDeduped,
                      long cacheHits, long cacheMisses, long deltasNew, long deltaStoredBytes, long deltaBytesSaved,
                      long deltaHintHits) {
        /** Without the delta counters (stores that never make deltas). */
        public StoreStats(long chunksPut, long chunksNew, long plainBytesNew, long storedBytesNew,
                          long plainBytesDeduped, long cacheHits, long cacheMisses) {
            this(chunksPut, chunksNew, plainBytesNew, storedBytesNew, plainBytesDeduped, cacheHits, cacheMisses,
                    0, 0, 0, 0);
        }
    }
}
