package dev.pactfs.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.BlobIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design.
 *
 * Put: id = HMAC(plaintext); if the index knows the id, that is all (dedup costs the hash and one indexed
 * lookup, on a kept auto-commit connection with a prepared statement: no parse, no transaction). Otherwise
 * frame (zstd or raw), seal (AES-GCM, AAD = type + id), append to the current local pack, and add the row to
 * `pendingRows`. Two threads putting the same new chunk at once meet in `storing`: the second waits for the
 * first instead of storing a duplicate record.
 *
 * Pending rows: committing one H2 transaction per new chunk (WRITE_DELAY=0 writes an MVStore chunk at every
 * commit) cost more than compressing and encrypting it. So new rows wait in memory and are inserted in batches:
 * when FLUSH_ROWS have gathered, before every catalog transaction (Catalog's hook: a transaction that
 * references a chunk put earlier always finds its row), and at sync, GC, check and close. Lookups consult
 * pendingRows before H2; a row leaves pendingRows only after its insert committed, so a lookup never misses it.
 * A crash loses pending rows only of chunks nothing references yet: their pack records are dead bytes that
 * compaction reclaims, as with a torn record.
 *
 * Garbage: refcounts are maintained by the reference holders' own transactions (FileChunkLists), so between
 * put and that commit a chunk may sit at refcount 0. Pins cover that window. GC takes the write side of
 * gcLock while it deletes unreferenced, unpinned rows; puts pin under the read side, so a put cannot find a row
 * that GC is about to delete.
 *
 * Compaction: a pack whose live bytes fall under LIVE_FRACTION_TO_KEEP of its size has its live records copied
 * to the current pack (sealed bytes as they are, no re-encryption), the copies synced, the index rows moved in
 * one transaction, and only then the old file deleted. A crash at any point leaves either the old or the new
 * location indexed, both intact; leftovers are dead bytes for the next compaction.
 */

/** The local {@link ChunkStore}: H2 index, append-only pack files, Caffeine plaintext cache. */
final class LocalChunkStore implements ChunkStore {

    private static final Logger log = LoggerFactory.getLogger(LocalChunkStore.class);

    /**
     * A pack is rewritten when less than this fraction of its bytes is live. 0.9 bounds the dead space in
     * closed packs to 11% of live data, under the 1.2 bytes-on-disk-per-stored-byte bar with room for the catalog.
     */
    static final double LIVE_FRACTION_TO_KEEP = 0.9;

    private final Catalog catalog;
    private final LocalPacks packs;
    private final BlobCipher cipher;
    private final BlobIds ids;
    private final Cache<CacheKey, byte[]> cache;

    /** Cache key: the type is part of it so a blob is never served as another type from the cache. */
    private record CacheKey(BlobType type, ChunkId id) {
    }
    private final ExecutorService workers;
    /** Background loads for {@link #prefetch}; a bounded queue, a full one drops the hint. */
    private final java.util.concurrent.ThreadPoolExecutor prefetchers;
    /** Loads in progress on the prefetchers: a get of the same blob waits for it instead of loading twice. */
    private final ConcurrentHashMap<CacheKey, CompletableFuture<byte[]>> loading = new ConcurrentHashMap<>();
    /** Permits are KiB of chunk data in the pipeline. */
    private final Semaphore inflightKib;
    private final ConcurrentHashMap<ChunkId, AtomicInteger> pins = new ConcurrentHashMap<>();
    /** Keyed by (kind, id): a put never waits for, and so never silently returns, a blob of another kind. */
    private final ConcurrentHashMap<CacheKey, CompletableFuture<Void>> storing = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    /** Source of evicted payloads (the partner layer); null when there is none. */
    private volatile RemoteFetcher remoteFetcher;

    /** Delta edges and super-features of pending rows, inserted with them in flushIndex's transaction. */
    private final ConcurrentHashMap<ChunkId, Facts> pendingFraming = new ConcurrentHashMap<>();
    /** Each put worker's frame of the chunk it is storing (see Compression#frame(byte[], FrameBuffer)). */
    private static final ThreadLocal<Compression.FrameBuffer> FRAMES = ThreadLocal.withInitial(Compression.FrameBuffer::new);
    /** New index rows not yet inserted into H2; see "Pending rows" above. */
    private final ConcurrentHashMap<ChunkId, ChunkIndex.Entry> pendingRows = new ConcurrentHashMap<>();
    private final java.util.concurrent.locks.ReentrantLock flushLock = new java.util.concurrent.locks.ReentrantLock();
    /** Idle lookup sessions (connection + prepared find statement). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Lookup> lookups = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** Pending rows that make a put worker insert them in one transaction. */
    static final int FLUSH_ROWS = 128;

    /** {@code generation}: the catalog's (see Catalog#generation) when the connection was made. */
    private record Lookup(java.sql.Connection connection, java.sql.PreparedStatement find,
            java.sql.PreparedStatement runs, java.sql.PreparedStatement byPrefix, long generation) {
        static Lookup open(Catalog catalog) throws java.sql.SQLException {
            long generation = catalog.generation();
            java.sql.Connection c = catalog.readConnection();
            try {
                return new Lookup(c, c.prepareStatement(ChunkIndex.FIND_SQL), c.prepareStatement(FeatureIndex.RUNS_SQL),
                        c.prepareStatement(FeatureIndex.BY_PREFIX_SQL), generation);
            } catch (java.sql.SQLException ex) {
                c.close();
                throw ex;
            }
        }

        void close() {
            try {
                connection.close();
            } catch (java.sql.SQLException e) {
                // the pool or the database is gone already
            }
        }
    }

    private final LongAdder chunksPut = new LongAdder();
    private final LongAdder chunksNew = new LongAdder();
    private final LongAdder plainBytesNew = new LongAdder();
    private final LongAdder storedBytesNew = new LongAdder();
    private final LongAdder plainBytesDeduped = new LongAdder();
    private final LongAdder cacheHits = new LongAdder();
    private final LongAdder cacheMisses = new LongAdder();
    private final LongAdder deltasNew = new LongAdder();
    private final LongAdder deltaStoredBytes = new LongAdder();
    private final LongAdder deltaBytesSaved = new LongAdder();
    private final LongAdder deltaHintHits = new LongAdder();
    private final boolean deltas;

    LocalChunkStore(Catalog catalog, LocalPacks packs, BlobCipher cipher, BlobIds ids, StoreOptions options) {
        this.catalog = catalog;
        this.packs = packs;
        this.cipher = cipher;
        this.ids = ids;
        this.deltas = options.deltas();
        this.cache = Caffeine.newBuilder()
                .maximumWeight(options.cacheBytes())
                .weigher((CacheKey k, byte[] v) -> v.length)
                .build();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.workers(), r -> {
            Thread t = new Thread(r, "pactfs-put-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        AtomicInteger m = new AtomicInteger();
        int nPrefetch = Math.max(2, options.workers());
        this.prefetchers = new java.util.concurrent.ThreadPoolExecutor(nPrefetch, nPrefetch, 0, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "pactfs-read-" + m.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.inflightKib = new Semaphore((int) Math.max(1, options.inflightBytes() >> 10));
        catalog.beforeTransaction(this::flushIndex);
        catalog.beforeReopen(this::dropLookups);
    }

    /** The index row of {@code id}: a pending one, else H2's; null when unknown. */
    private ChunkIndex.Entry lookup(ChunkId id) throws IOException {
        ChunkIndex.Entry e = pendingRows.get(id);
        if (e != null) {
            return e;
        }
        return withLookup(l -> ChunkIndex.find(l.find(), id), "looking up chunk " + id.shortHex());
    }

    @FunctionalInterface
    private interface LookupWork<T> {
        T run(Lookup l) throws java.sql.SQLException;
    }

    /**
     * Runs one read on a pooled lookup connection with its prepared statements, opening one when none is idle.
     * H2 may have closed the database (disk full) and the catalog reopened it since: a read is safe to try once
     * more, on a fresh connection.
     */
    private <T> T withLookup(LookupWork<T> work, String what) throws IOException {
        try {
            return withLookupOnce(work, what);
        } catch (StoreException first) {
            return withLookupOnce(work, what);
        }
    }

    /** Before the catalog reopens the database: close the idle lookups, all on the old one. */
    private void dropLookups() {
        for (Lookup stale = lookups.poll(); stale != null; stale = lookups.poll()) {
            stale.close();
        }
    }

    private <T> T withLookupOnce(LookupWork<T> work, String what) throws IOException {
        Lookup l = lookups.poll();
        while (l != null && l.generation() != catalog.generation()) {
            // On a database H2 closed before the catalog reopened it: never use it again (a statement on it makes H2
            // forget the reopened database; see Catalog#reopen). Abandoned, not closed, for the same reason.
            l = lookups.poll();
        }
        T result;
        try {
            if (l == null) {
                l = Lookup.open(catalog);
            }
            result = work.run(l);
        } catch (java.sql.SQLException ex) {
            if (l != null) {
                l.close();
            }
            throw catalog.failure(what, ex);
        }
        if (closed) {
            l.close();
        } else if (l.generation() == catalog.generation()) {
            lookups.offer(l);
        }
        return result;
    }

    /** Inserts every pending index row into H2 in one transaction. */
    void flushIndex() throws IOException {
        if (pendingRows.isEmpty()) {
            return;
        }
        flushLock.lock();
        try {
            if (pendingRows.isEmpty()) {
                return;
            }
            List<ChunkIndex.Entry> rows = new java.util.ArrayList<>(pendingRows.values());
            try {
                catalog.transactionWithoutHook(tx -> {
                    ChunkIndex.insertAll(tx, rows);
                    Map<ChunkId, long[]> features = new java.util.HashMap<>();
                    List<FeatureIndex.DeltaRow> deltaRows = new java.util.ArrayList<>();
                    Map<ChunkId, Long> baseRefs = new java.util.HashMap<>();
                    for (ChunkIndex.Entry e : rows) {
                        Facts f = pendingFraming.get(e.id());
                        if (f == null) {
                            continue;
                        }
                        if (f.delta() != null) {
                            deltaRows.add(f.delta());
                        } else if (f.features() != null) {
                            features.put(e.id(), f.features());
                        }
                    }
                    FeatureIndex.insertNew(tx, features, deltaRows);
                    // The edge delta -> base keeps the base alive (refcount) and is what GC cascades through.
                    for (FeatureIndex.DeltaRow d : deltaRows) {
                        BlobGraph.addChildren(tx, d.id(), Map.of(d.base(), 1));
                    }
                    return null;
                });
            } catch (IOException e) {
                if (NoSpaceException.isNoSpace(e)) {
                    throw new NoSpaceException("indexing " + rows.size() + " chunks", e);
                }
                throw e;
            }
            for (ChunkIndex.Entry e : rows) {
                pendingFraming.remove(e.id());
                pendingRows.remove(e.id(), e);
            }
        } finally {
            flushLock.unlock();
        }
    }

    @Override
    public ChunkId put(byte[] plain) throws IOException {
        return put(BlobType.CHUNK, plain);
    }

    @Override
    public ChunkId put(byte[] plain, ChunkId baseHint) throws IOException {
        return put(BlobType.CHUNK, plain, baseHint);
    }

    @Override
    public ChunkId put(BlobType type, byte[] plain) throws IOException {
        return put(type, plain, null);
    }

    private ChunkId put(BlobType type, byte[] plain, ChunkId baseHint) throws IOException {
        ChunkId id = idOf(type, plain);
        chunksPut.increment();
        ChunkId out;
        try {
            out = putHashed(type, id, plain, baseHint);
        } catch (NoSpaceException e) {
            // Files deleted since the last collection may have left dead records: free them and try once more,
            // so that writing resumes as soon as the user has made room. Not while the reference graph is
            // unproven: a refcount that is too low would free live data.
            if (catalog.transaction(GraphProof::unproven) != null) {
                throw e;
            }
            collectGarbage();
            out = putHashed(type, id, plain, baseHint);
        }
        if (pendingRows.size() >= FLUSH_ROWS && flushLock.tryLock()) {
            try {
                flushIndex();
            } finally {
                flushLock.unlock();
            }
        }
        return out;
    }

    /** A blob's id: each kind is named under its own key (see BlobIds), so an id commits to its kind. */
    private ChunkId idOf(BlobType type, byte[] plain) {
        return ids.of(type, plain);
    }

    private ChunkId putHashed(BlobType type, ChunkId id, byte[] plain, ChunkId baseHint) throws IOException {
        gcLock.readLock().lock();
        try {
            pin(id);
            try {
                ensureStored(type, id, plain, baseHint);
            } catch (IOException | RuntimeException e) {
                unpin(List.of(id));
                throw e;
            }
        } finally {
            gcLock.readLock().unlock();
        }
        return id;
    }

    @Override
    public CompletableFuture<ChunkId> putAsync(byte[] plain) throws IOException {
        return putAsync(plain, null);
    }

    @Override
    public CompletableFuture<ChunkId> putAsync(byte[] plain, ChunkId baseHint) throws IOException {
        int kib = Math.max(1, (plain.length + 1023) >> 10);
        try {
            inflightKib.acquire(kib);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for the put pipeline");
        }
        try {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return put(BlobType.CHUNK, plain, baseHint);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    inflightKib.release(kib);
                }
            }, workers);
        } catch (RuntimeException e) {
            inflightKib.release(kib);
            throw e;
        }
    }

    private void ensureStored(BlobType type, ChunkId id, byte[] plain, ChunkId baseHint) throws IOException {
        while (true) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CacheKey key = new CacheKey(type, id);
            CompletableFuture<Void> other = storing.putIfAbsent(key, mine);
            if (other != null) {
                try {
                    other.join();
                    plainBytesDeduped.add(plain.length);
                    return;
                } catch (CompletionException e) {
                    continue; // the other store failed: try ourselves
                }
            }
            try {
                ChunkIndex.Entry known = lookup(id);
                if (known == null) {
                    storeNew(type, id, plain, baseHint);
                } else {
                    requireKind(known, type);
                    plainBytesDeduped.add(plain.length);
                }
                mine.complete(null);
                return;
            } catch (IOException | RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                storing.remove(key, mine);
            }
        }
    }

    /**
     * Dedup is by (kind, id): a blob already stored under {@code id} as another kind is never taken for the one
     * being put. With one id key per kind this happens only with a damaged or crafted catalog (or a format-1 repo
     * not yet migrated), never by content a user writes: refuse rather than store a reference to the wrong blob.
     */
    private static void requireKind(ChunkIndex.Entry known, BlobType type) throws StoreException {
        if (known.kind() != type.code) {
            throw new StoreException("blob " + known.id().toHex() + " is stored as kind " + known.kind()
                    + ", not " + type + ": refusing to deduplicate across kinds (damaged or crafted catalog?)");
        }
    }

    /**
     * How a new chunk is framed: {@code framed[0, length)}, plain (with its super-features, to be indexed) or as a
     * delta. {@code framed} may be the worker's reused {@link #FRAMES} buffer: seal it before the next frame call.
     */
    private record Framing(byte[] framed, int length, Facts facts) {
        Framing(byte[] framed, long[] features, FeatureIndex.DeltaRow delta) {
            this(framed, framed.length, new Facts(features, delta));
        }
    }

    /** What a pending row adds to the feature index: its super-features (full chunk) or its delta facts. */
    private record Facts(long[] features, FeatureIndex.DeltaRow delta) {
    }

    private void storeNew(BlobType type, ChunkId id, byte[] plain, ChunkId baseHint) throws IOException {
        byte[] idBytes = id.toBytes();
        Framing framing = frameNew(type, id, plain, baseHint);
        Facts facts = framing.facts();
        byte[] sealed = cipher.seal(type, idBytes, framing.framed(), 0, framing.length());
        LocalPacks.Location loc;
        try {
            loc = packs.append(type.code, idBytes, sealed);
        } catch (IOException e) {
            if (NoSpaceException.isNoSpace(e)) {
                throw new NoSpaceException("appending chunk " + id.shortHex(), e);
            }
            throw e;
        }
        if (facts.delta() != null || facts.features() != null) {
            // Before the row: a flush that sees the row sees this too, and records both in one transaction.
            pendingFraming.put(id, facts);
        }
        pendingRows.put(id, new ChunkIndex.Entry(id, type.code, plain.length, sealed.length, 0, loc.packId(),
                loc.offset()));
        chunksNew.increment();
        plainBytesNew.add(plain.length);
        storedBytesNew.add(sealed.length);
        if (facts.delta() != null) {
            deltasNew.increment();
            deltaStoredBytes.add(sealed.length);
            deltaBytesSaved.add(facts.delta().savedBytes());
        }
    }

    /**
     * Plain zstd, or a delta against a similar full chunk when that is smaller and within the re-base policy
     * ({@link DeltaPolicy}). Candidates: the caller's hint (a delta hint stands for its own base: depth 1), then
     * the super-feature index. Runs under the GC read lock, so a base found here is not freed before the delta's
     * edge to it is committed.
     */
    private Framing frameNew(BlobType type, ChunkId id, byte[] plain, ChunkId baseHint) throws IOException {
        Compression.FrameBuffer zstd = FRAMES.get();
        Compression.frame(plain, zstd);
        if (!deltas || type != BlobType.CHUNK || plain.length < SuperFeatures.MIN_CHUNK) {
            return new Framing(zstd.bytes, zstd.length, new Facts(null, null));
        }
        long[] sf = SuperFeatures.of(plain);
        ChunkId hintBase = null;
        int hintGeneration = 1;
        if (baseHint != null && !baseHint.equals(id)) {
            FeatureIndex.DeltaRow hintRow = findDelta(baseHint);
            if (hintRow == null) {
                hintBase = baseHint;
            } else {
                hintBase = hintRow.base();
                hintGeneration = hintRow.generation() + 1;
            }
        }
        ChunkId bestBase = null;
        byte[] best = null;
        int bestGeneration = 1;
        if (hintBase != null && hintGeneration <= DeltaPolicy.MAX_GENERATIONS) {
            byte[] base = baseForDelta(hintBase);
            if (base != null) {
                best = DeltaCodec.encode(base, plain);
                bestBase = hintBase;
                bestGeneration = hintGeneration;
            }
        }
        // The hint is often off by a chunk or two (content shifts between versions); unless it is already a good
        // base, ask the feature index as well and keep the smaller delta.
        if (best == null || best.length > DeltaPolicy.GOOD_ENOUGH_RATIO * zstd.length) {
            // On a pooled lookup connection, not a transaction: a lookup per new chunk must neither run the flush
            // hook (it would defeat the batching of index rows) nor pay a transaction and statement preparation.
            ChunkId featureBase = withLookup(l -> FeatureIndex.findBase(l.runs(), l.byPrefix(), sf),
                    "looking up similar chunks");
            if (featureBase == null) {
                featureBase = pendingBase(sf);
            }
            if (featureBase != null && !featureBase.equals(id) && !featureBase.equals(bestBase)) {
                byte[] base = baseForDelta(featureBase);
                if (base != null) {
                    byte[] d = DeltaCodec.encode(base, plain);
                    if (best == null || d.length < best.length) {
                        best = d;
                        bestBase = featureBase;
                        bestGeneration = 1;
                    }
                }
            }
        }
        if (best != null) {
            int framedLength = Compression.DELTA_HEADER + best.length;
            if (DeltaPolicy.judge(framedLength, zstd.length) == DeltaPolicy.Verdict.DELTA) {
                if (bestBase.equals(hintBase)) {
                    deltaHintHits.increment();
                }
                return new Framing(Compression.frameDelta(bestBase.toBytes(), best), null,
                        new FeatureIndex.DeltaRow(id, bestBase, bestGeneration, zstd.length - framedLength));
            }
        }
        return new Framing(zstd.bytes, zstd.length, new Facts(sf, null));
    }

    /**
     * A full chunk among those not yet flushed to H2 (at most a batch) sharing the most super-features with
     * {@code sf}: so that near-duplicates within one stream find each other before the index rows are written.
     */
    private ChunkId pendingBase(long[] sf) {
        ChunkId best = null;
        int bestVotes = 0;
        for (Map.Entry<ChunkId, Facts> e : pendingFraming.entrySet()) {
            long[] other = e.getValue().features();
            if (other == null) {
                continue;
            }
            int votes = 0;
            for (int i = 0; i < sf.length; i++) {
                if (sf[i] == other[i]) {
                    votes++;
                }
            }
            if (votes > bestVotes) {
                best = e.getKey();
                bestVotes = votes;
            }
        }
        return best;
    }

    /** The delta facts of {@code id} (pending or in H2), or null when it is stored in full. */
    private FeatureIndex.DeltaRow findDelta(ChunkId id) throws IOException {
        Facts f = pendingFraming.get(id);
        if (f != null) {
            return f.delta();
        }
        return catalog.transactionWithoutHook(tx -> FeatureIndex.findDelta(tx, id));
    }

    /** The plaintext of {@code candidate} if it can serve as a base: a locally stored full file chunk. */
    private byte[] baseForDelta(ChunkId candidate) {
        try {
            ChunkIndex.Entry e = lookup(candidate);
            if (e == null || e.kind() != BlobType.CHUNK.code || e.packId() == null) {
                return null;
            }
            if (findDelta(candidate) != null) {
                return null; // depth 1: a delta is never a base
            }
            byte[] base = get(BlobType.CHUNK, candidate);
            return DeltaCodec.usableBase(base) ? base : null;
        } catch (IOException e) {
            log.warn("chunk {} cannot serve as a delta base: {}", candidate.shortHex(), e.getMessage());
            return null;
        }
    }

    private void pin(ChunkId id) {
        pins.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
    }

    @Override
    public void unpin(Collection<ChunkId> ids) {
        for (ChunkId id : ids) {
            pins.computeIfPresent(id, (k, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    @Override
    public byte[] get(ChunkId id) throws IOException {
        return get(BlobType.CHUNK, id);
    }

    @Override
    public byte[] get(BlobType type, ChunkId id) throws IOException {
        CacheKey key = new CacheKey(type, id);
        byte[] plain = cache.getIfPresent(key);
        if (plain != null) {
            cacheHits.increment();
            return plain;
        }
        CompletableFuture<byte[]> inFlight = loading.get(key);
        if (inFlight != null) {
            try {
                plain = inFlight.join();
                cacheHits.increment();
                return plain;
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                // the background load failed: load here, which reports the error properly
            }
        }
        cacheMisses.increment();
        plain = loadRetrying(type, id);
        cache.put(key, plain);
        return plain;
    }

    @Override
    public void warmUp(long budgetMillis) {
        long deadline = System.nanoTime() + budgetMillis * 1_000_000L;
        List<CompletableFuture<Void>> helpers = new java.util.ArrayList<>();
        int extra = Math.max(0, prefetchers.getCorePoolSize() - 1);
        for (int t = 0; t < extra; t++) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            int seed = t + 1;
            try {
                prefetchers.execute(() -> {
                    try {
                        warmUpRounds(deadline, seed);
                        f.complete(null);
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    }
                });
                helpers.add(f);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // no helper then
            }
        }
        warmUpRounds(deadline, 0);
        for (CompletableFuture<Void> f : helpers) {
            try {
                f.join();
            } catch (CompletionException e) {
                log.warn("warm-up failed: {}", e.getCause().toString());
            }
        }
    }

    /**
     * Round trips of throw-away, tar-like data through the production put and verify code (the blob is sealed
     * under the real key with a fresh random nonce, opened and dropped) until the deadline, or earlier once a
     * stretch of rounds runs at compiled speed. Sizes alternate between small (many invocations: what makes the
     * JIT compile) and chunk-sized.
     */
    private void warmUpRounds(long deadline, int seed) {
        java.util.Random rnd = new java.util.Random(seed);
        byte[] small = new byte[16 << 10];
        byte[] large = new byte[256 << 10];
        for (byte[] b : new byte[][] {small, large}) {
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (rnd.nextInt(8) == 0 ? rnd.nextInt(256) : 'a' + (i % 23)); // compresses about 3x
            }
        }
        int round = 0;
        int fastStreak = 0;
        while (System.nanoTime() < deadline) {
            byte[] plain = (round++ & 7) == 7 ? large : small;
            plain[round % plain.length] ^= 1;
            long t0 = System.nanoTime();
            try {
                ChunkId id = idOf(BlobType.CHUNK, plain);
                byte[] sealed = cipher.seal(BlobType.CHUNK, id.toBytes(), Compression.frame(plain));
                verify(new ChunkIndex.Entry(id, BlobType.CHUNK.code, plain.length, sealed.length, 0, -1L, 0), sealed);
            } catch (IOException e) {
                throw new IllegalStateException("warm-up round trip failed", e);
            }
            if (plain == large) {
                // compiled, this path runs at well over 150 MB/s per core (FACTS.md); interpreted, at a few dozen
                long nanos = System.nanoTime() - t0;
                fastStreak = nanos < large.length * 1_000_000_000L / (150L << 20) ? fastStreak + 1 : 0;
                if (fastStreak >= 16 && round > 4000) {
                    return;
                }
            }
        }
    }

    private byte[] loadRetrying(BlobType type, ChunkId id) throws IOException {
        try {
            return load(type, id);
        } catch (ChunkCorruptException e) {
            throw e;
        } catch (IOException e) {
            // Compaction may have moved the record between our lookup and our read: look up once more.
            return load(type, id);
        }
    }

    @Override
    public void prefetch(ChunkId id) {
        CacheKey key = new CacheKey(BlobType.CHUNK, id);
        if (closed || cache.getIfPresent(key) != null || loading.containsKey(key)) {
            return;
        }
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        if (loading.putIfAbsent(key, f) != null) {
            return;
        }
        try {
            prefetchers.execute(() -> {
                try {
                    byte[] plain = cache.getIfPresent(key);
                    if (plain == null) {
                        plain = loadRetrying(BlobType.CHUNK, id);
                        cache.put(key, plain);
                    }
                    f.complete(plain);
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                } finally {
                    loading.remove(key, f);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            loading.remove(key, f);
            f.cancel(false);
        }
    }

    @Override
    public void release(ChunkId id) {
        cache.invalidate(new CacheKey(BlobType.CHUNK, id));
    }

    private byte[] load(BlobType type, ChunkId id) throws IOException {
        ChunkIndex.Entry e = lookup(id);
        if (e == null) {
            throw new StoreException("chunk " + id.toHex() + " is not in the index");
        }
        if (e.kind() != type.code) {
            throw new StoreException("blob " + id.toHex() + " is of kind " + e.kind() + ", not " + type);
        }
        if (e.packId() == null) {
            RemoteFetcher fetcher = remoteFetcher;
            if (fetcher == null) {
                throw new StoreException("chunk " + id.toHex() + " has no local payload (evicted) and no partner to fetch it from");
            }
            return verify(e, fetcher.fetchSealed(id, e.kind(), e.storedSize()), "partner copy");
        }
        return verify(e, packs.read(new LocalPacks.Location(e.packId(), e.packOffset()), e.kind(), id.toBytes(), e.storedSize()));
    }

    private byte[] verify(ChunkIndex.Entry e, byte[] sealed) throws ChunkCorruptException {
        return verify(e, sealed, "local pack " + e.packId() + " offset " + e.packOffset());
    }

    private byte[] verify(ChunkIndex.Entry e, byte[] sealed, String where) throws ChunkCorruptException {
        return verifyFrame(e, sealed, where).plain();
    }

    /** A verified blob: its plaintext, and the delta base its frame names (null for a full blob). */
    private record Verified(byte[] plain, ChunkId base) {
    }

    private Verified verifyFrame(ChunkIndex.Entry e, byte[] sealed, String where) throws ChunkCorruptException {
        byte[] framed;
        try {
            framed = cipher.open(typeOf(e), e.id().toBytes(), sealed);
        } catch (BlobCorruptException ex) {
            throw new ChunkCorruptException(e.id(), where, ex.getMessage());
        }
        byte[] plain;
        byte[] baseId = Compression.deltaBase(framed);
        if (baseId != null) {
            plain = undelta(e, where, ChunkId.of(baseId), framed);
        } else {
            try {
                plain = Compression.unframe(framed, e.plainSize());
            } catch (IllegalArgumentException ex) {
                throw new ChunkCorruptException(e.id(), where, ex.getMessage());
            }
        }
        if (!ids.names(typeOf(e), plain, e.id())) {
            throw new ChunkCorruptException(e.id(), where, "plaintext does not hash to the chunk id");
        }
        return new Verified(plain, baseId == null ? null : ChunkId.of(baseId));
    }

    /**
     * The plaintext of delta chunk {@code e}: its base through the cache, then zstd with the base as dictionary.
     * A damaged or missing base makes the delta itself unreadable, reported as corruption of the delta.
     */
    private byte[] undelta(ChunkIndex.Entry e, String where, ChunkId baseId, byte[] framed) throws ChunkCorruptException {
        if (e.kind() != BlobType.CHUNK.code) {
            throw new ChunkCorruptException(e.id(), where, "delta frame in a blob of kind " + e.kind());
        }
        byte[] base;
        try {
            base = get(BlobType.CHUNK, baseId);
        } catch (IOException ex) {
            throw new ChunkCorruptException(e.id(), where, "its delta base " + baseId.toHex() + " is unreadable: "
                    + ex.getMessage());
        }
        try {
            return DeltaCodec.decode(base, framed, Compression.DELTA_HEADER, framed.length - Compression.DELTA_HEADER,
                    e.plainSize());
        } catch (IllegalArgumentException ex) {
            throw new ChunkCorruptException(e.id(), where, "delta against " + baseId.shortHex() + ": " + ex.getMessage());
        }
    }

    private static BlobType typeOf(ChunkIndex.Entry e) throws ChunkCorruptException {
        for (BlobType t : BlobType.values()) {
            if (t.code == e.kind()) {
                return t;
            }
        }
        throw new ChunkCorruptException(e.id(), "index", "unknown blob kind " + e.kind());
    }

    @Override
    public boolean contains(ChunkId id) throws IOException {
        return lookup(id) != null;
    }

    @Override
    public void sync() throws IOException {
        flushIndex();
        packs.sync();
        catalog.sync();
    }

    @Override
    public synchronized GcStats collectGarbage(ByteProgress progress) throws IOException {
        GraphProof.requireProven(catalog, "collect garbage");
        long freed = 0;
        long freedBytes = 0;
        int deltasRewritten = 0;
        gcLock.writeLock().lock();
        try {
            flushIndex();
            // Freeing a tree blob drops the references it held, which may free its children: repeat until stable.
            // After the first round of frees, bases that only deltas still use may be released by rewriting those
            // deltas in full (DeltaRewrite); the next rounds then free the bases.
            boolean rewriteDone = false;
            while (true) {
                List<ChunkIndex.Entry> dead = catalog.transaction(tx -> ChunkIndex.unreferenced(tx, Integer.MAX_VALUE));
                List<ChunkIndex.Entry> unpinned = dead.stream().filter(d -> !pins.containsKey(d.id())).toList();
                long[] counted = catalog.transaction(tx -> {
                    long n = 0;
                    long bytes = 0;
                    for (ChunkIndex.Entry d : unpinned) {
                        if (ChunkIndex.deleteIfUnreferenced(tx, d.id())) {
                            BlobGraph.dropChildren(tx, d.id());
                            n++;
                            bytes += d.storedSize();
                        }
                    }
                    return new long[] {n, bytes};
                });
                // No cache invalidation: an id names its content, so a cached plaintext can never be stale.
                freed += counted[0];
                freedBytes += counted[1];
                if (counted[0] == 0) {
                    if (rewriteDone) {
                        break;
                    }
                    rewriteDone = true;
                    DeltaRewrite.Result r = new DeltaRewrite(catalog, packs, cipher, id -> get(BlobType.CHUNK, id))
                            .run(pins::containsKey);
                    deltasRewritten = r.deltasRewritten();
                    if (r.basesReleased() == 0) {
                        break;
                    }
                }
            }
            if (freed > 0) {
                catalog.transaction(FeatureIndex::sweep);
            }
        } finally {
            gcLock.writeLock().unlock();
        }
        int rewritten = 0;
        long reclaimed = 0;
        flushIndex(); // rows of puts since the collection above count as live
        Map<Long, Long> live = catalog.transaction(ChunkIndex::liveBytesPerPack);
        java.util.TreeMap<Long, Long> sizes = packs.list();
        long current = packs.currentPackId();
        if (current >= 0 && live.getOrDefault(current, 0L) < LIVE_FRACTION_TO_KEEP * sizes.getOrDefault(current, 0L)) {
            // The pack still open for appends holds dead records too: close it so it can be compacted.
            packs.closeForAppends();
            current = -1;
        }
        Map<Long, Long> compact = new java.util.LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<Long, Long> p : sizes.entrySet()) {
            long packId = p.getKey();
            long size = p.getValue();
            if (packId != current && size > 0 && live.getOrDefault(packId, 0L) < LIVE_FRACTION_TO_KEEP * size) {
                compact.put(packId, size);
                total += size;
            }
        }
        long passed = 0;
        progress.update(0, total);
        for (Map.Entry<Long, Long> p : compact.entrySet()) {
            long before = passed;
            long all = total;
            long size = p.getValue();
            rewritePack(p.getKey(), cutAt -> progress.update(before + size - cutAt, all));
            passed += size;
            rewritten++;
            reclaimed += size - live.getOrDefault(p.getKey(), 0L);
        }
        progress.update(total, total);
        if (rewritten > 0) {
            log.info("compaction rewrote {} packs, reclaimed {} bytes", rewritten, reclaimed);
        }
        // A reserve released on a full disk comes back once user data could be written again beside it.
        catalog.restoreSpaceReserve(packs.marginBytes());
        return new GcStats(freed, freedBytes, rewritten, reclaimed, deltasRewritten);
    }

    /**
     * Largest compaction step, in bytes of records moved at once: more per step means fewer syncs, but up to this
     * much extra room on the disk while the step runs.
     */
    static final long MAX_COMPACTION_STEP = 32L << 20;

    /**
     * Moves the live records of {@code packId} to the current pack and deletes it, from its end backwards in steps
     * that fit the free space: copy the last records still in it, sync the copies, move their rows (one
     * transaction, synced), then cut the pack before the first of them. Extra room needed at any moment: one step
     * (at least one record, at most {@link #MAX_COMPACTION_STEP}, at most half the free space) plus the catalog's
     * floor; each step gives back the dead bytes it passed over, and tells {@code cutAt} where the pack now ends. A crash between any two of these leaves every row
     * at an intact copy: the old place until the rows move, the new one (synced before the rows move) after.
     */
    private void rewritePack(long packId, java.util.function.LongConsumer cutAt) throws IOException {
        // Puts hold the read side from their append until their row is pending: with the write side, every
        // record in this (closed) pack has its row pending or in H2; flush, so the query below sees them all.
        gcLock.writeLock().lock();
        try {
            flushIndex();
        } finally {
            gcLock.writeLock().unlock();
        }
        List<ChunkIndex.Entry> entries = new java.util.ArrayList<>(catalog.transaction(tx -> ChunkIndex.inPack(tx, packId)));
        entries.sort(java.util.Comparator.comparingLong(ChunkIndex.Entry::packOffset));
        int end = entries.size();
        while (end > 0) {
            long next = recordBytes(entries.get(end - 1));
            long room = packs.roomForCompaction(next);
            long step = Math.max(next, Math.min(MAX_COMPACTION_STEP, room / 2));
            if (room < next) {
                throw new NoSpaceException("compacting local pack " + packId + ": it needs "
                        + LocalPacks.mib(next + LocalPacks.COMPACTION_FLOOR) + " free to move its next record, "
                        + LocalPacks.mib(Math.max(0, room + LocalPacks.COMPACTION_FLOOR))
                        + " are free; delete files or snapshots, or give the disk "
                        + LocalPacks.mib(next - Math.max(0, room)) + " more, then run prune again", null);
            }
            int start = end - 1;
            long bytes = next;
            while (start > 0 && bytes + recordBytes(entries.get(start - 1)) <= step) {
                start--;
                bytes += recordBytes(entries.get(start));
            }
            List<ChunkIndex.Entry> batch = entries.subList(start, end);
            List<LocalPacks.Location> moved = new java.util.ArrayList<>(batch.size());
            for (ChunkIndex.Entry e : batch) {
                byte[] idBytes = e.id().toBytes();
                byte[] sealed = packs.read(new LocalPacks.Location(packId, e.packOffset()), e.kind(), idBytes, e.storedSize());
                moved.add(packs.append(e.kind(), idBytes, sealed, true));
            }
            packs.sync();
            catalog.transaction(tx -> {
                for (int i = 0; i < batch.size(); i++) {
                    ChunkIndex.relocate(tx, batch.get(i).id(), moved.get(i).packId(), moved.get(i).offset());
                }
                return null;
            });
            catalog.sync();
            packs.truncate(packId, batch.get(0).packOffset());
            cutAt.accept(batch.get(0).packOffset());
            end = start;
        }
        packs.delete(packId);
    }

    /** Bytes a record takes in a pack. */
    private static long recordBytes(ChunkIndex.Entry e) {
        return LocalPacks.RECORD_HEADER + (long) e.storedSize();
    }

    @Override
    public CheckReport check(boolean readData) throws IOException {
        return check(readData ? id -> true : null, null);
    }

    @Override
    public CheckReport check(boolean readData, CheckProgress progress) throws IOException {
        return check(readData ? id -> true : null, progress);
    }

    @Override
    public CheckReport check(java.util.function.Predicate<ChunkId> readData) throws IOException {
        return check(readData, null);
    }

    @Override
    public CheckReport check(java.util.function.Predicate<ChunkId> readData, CheckProgress progress) throws IOException {
        flushIndex();
        // The total first (index rows only, no payload read), so progress can show a rate and an ETA.
        long[] total = {0};
        if (progress != null) {
            catalog.transaction(tx -> {
                ChunkIndex.forEach(tx, e -> total[0] += e.packId() == null ? 0 : e.storedSize());
                return null;
            });
        }
        List<String> problems = new java.util.ArrayList<>();
        Map<ChunkId, Long> refs = catalog.transaction(tx -> {
            Map<ChunkId, Long> all = ChunkIndex.countFileReferences(tx);
            BlobGraph.countBlobReferences(tx).forEach((id, n) -> all.merge(id, n, Long::sum));
            return all;
        });
        java.util.Set<Long> packsOnDisk = packs.list().keySet();
        long[] totals = new long[3];
        catalog.transaction(tx -> {
            ChunkIndex.forEach(tx, e -> {
                Cancellation.checkpoint(); // per chunk; check only reads, so stopping anywhere is clean
                totals[0]++;
                totals[1] += e.storedSize();
                long expected = refs.getOrDefault(e.id(), 0L);
                if (e.refcount() != expected) {
                    problems.add("chunk " + e.id() + ": refcount " + e.refcount() + " but " + expected + " references");
                }
                refs.remove(e.id());
                if (e.packId() == null) {
                    return;
                }
                if (!packsOnDisk.contains(e.packId())) {
                    problems.add("chunk " + e.id() + ": local pack " + e.packId() + " is missing");
                    return;
                }
                try {
                    byte[] sealed = packs.read(new LocalPacks.Location(e.packId(), e.packOffset()), e.kind(),
                            e.id().toBytes(), e.storedSize());
                    if (readData != null && readData.test(e.id())) {
                        totals[2] += sealed.length;
                        verify(e, sealed);
                    }
                    if (progress != null) {
                        progress.read(totals[2] > 0 ? totals[2] : totals[1], total[0]);
                    }
                } catch (IOException ex) {
                    problems.add(ex.getMessage());
                }
            });
            return null;
        });
        for (Map.Entry<ChunkId, Long> dangling : refs.entrySet()) {
            problems.add("chunk " + dangling.getKey() + ": referenced " + dangling.getValue() + " times but not in the index");
        }
        return new CheckReport(totals[0], totals[1], totals[2], problems);
    }

    @Override
    public byte[] readSealed(ChunkId id) throws IOException {
        ChunkIndex.Entry e = catalog.transaction(tx -> ChunkIndex.find(tx, id));
        if (e == null || e.packId() == null) {
            return null;
        }
        try {
            return packs.read(new LocalPacks.Location(e.packId(), e.packOffset()), e.kind(), id.toBytes(), e.storedSize());
        } catch (IOException ex) {
            // Compaction may have moved the record between our lookup and our read: look up once more.
            e = catalog.transaction(tx -> ChunkIndex.find(tx, id));
            if (e == null || e.packId() == null) {
                return null;
            }
            return packs.read(new LocalPacks.Location(e.packId(), e.packOffset()), e.kind(), id.toBytes(), e.storedSize());
        }
    }

    /** A chunk stored again by {@link #recompressForWan}: its old index row and its new record. */
    private record Recompressed(ChunkIndex.Entry old, LocalPacks.Location at, int storedSize) {
    }

    /** One chunk of {@link #recompressForWan}: its new record appended, or null when it stays as it is. */
    private Recompressed recompressOne(ChunkId id) {
        try {
            ChunkIndex.Entry e = lookup(id);
            if (e == null || e.kind() != BlobType.CHUNK.code || e.packId() == null || pendingRows.containsKey(id)) {
                return null;
            }
            byte[] idBytes = id.toBytes();
            byte[] framed;
            byte[] plain;
            try {
                framed = cipher.open(BlobType.CHUNK, idBytes,
                        packs.read(new LocalPacks.Location(e.packId(), e.packOffset()), e.kind(), idBytes, e.storedSize()));
                if (framed.length == 0 || framed[0] != Compression.ZSTD) {
                    return null; // raw (incompressible) or a delta: nothing to gain
                }
                plain = Compression.unframe(framed, e.plainSize());
            } catch (BlobCorruptException | IOException | IllegalArgumentException ex) {
                return null; // shipped as it is; check and scrub report damage, this is only an optimisation
            }
            byte[] better = Compression.frameForWan(plain);
            if (better.length > framed.length - framed.length / 50 || !idOf(BlobType.CHUNK, plain).equals(id)) {
                return null;
            }
            byte[] sealed = cipher.seal(BlobType.CHUNK, idBytes, better);
            return new Recompressed(e, packs.append(BlobType.CHUNK.code, idBytes, sealed), sealed.length);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Override
    public long recompressForWan(java.util.Collection<ChunkId> ids) throws IOException {
        flushIndex(); // rows still pending are not in H2, where the switch below happens
        // Under the GC read lock: no collection or compaction moves or frees these records meanwhile.
        gcLock.readLock().lock();
        try {
            // Two or more cores at once (the caller and the common pool): level 9 is ~8x the CPU of level 3, and
            // one core of it would leave a 100 Mbit/s link idle half the time.
            List<Recompressed> done;
            try {
                done = ids.parallelStream().map(this::recompressOne).filter(java.util.Objects::nonNull).toList();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            long saved = 0;
            for (Recompressed r : done) {
                saved += r.old().storedSize() - r.storedSize();
            }
            if (done.isEmpty()) {
                return 0;
            }
            packs.sync(); // the new records are on the device before any row points at them
            catalog.transaction(tx -> {
                try (java.sql.PreparedStatement ps = tx.connection().prepareStatement(
                        "UPDATE chunks SET stored_size = ?, pack_id = ?, pack_offset = ? WHERE id = ? AND pack_id = ?"
                                + " AND pack_offset = ? AND partner_pack IS NULL")) {
                    for (Recompressed r : done) {
                        ps.setInt(1, r.storedSize());
                        ps.setLong(2, r.at().packId());
                        ps.setLong(3, r.at().offset());
                        ps.setBytes(4, r.old().id().toBytes());
                        ps.setLong(5, r.old().packId());
                        ps.setLong(6, r.old().packOffset());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                } catch (java.sql.SQLException ex) {
                    throw Catalog.translate("recording " + done.size() + " recompressed chunks", ex);
                }
                return null;
            });
            return saved;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    @Override
    public Map<ChunkId, ChunkCorruptException> adoptSealed(List<Sealed> blobs) throws IOException {
        gcLock.readLock().lock();
        try {
            Map<ChunkId, ChunkIndex.Entry> entries = catalog.transaction(tx -> {
                Map<ChunkId, ChunkIndex.Entry> m = new java.util.HashMap<>();
                for (Sealed b : blobs) {
                    ChunkIndex.Entry e = ChunkIndex.find(tx, b.id());
                    if (e == null) {
                        throw new StoreException("chunk " + b.id().toHex() + " is not in the index");
                    }
                    m.put(b.id(), e);
                }
                return m;
            });
            Map<ChunkId, ChunkCorruptException> bad = new java.util.LinkedHashMap<>();
            Map<ChunkId, LocalPacks.Location> placed = new java.util.LinkedHashMap<>();
            Map<ChunkId, ChunkId> chunkBases = new java.util.HashMap<>(); // file chunks: their frame's base or null
            for (Sealed b : blobs) {
                ChunkIndex.Entry e = entries.get(b.id());
                if (e.packId() != null || placed.containsKey(b.id())) {
                    continue;
                }
                if (b.bytes().length != e.storedSize()) {
                    bad.put(b.id(), new ChunkCorruptException(b.id(), "fetched copy", "length " + b.bytes().length
                            + ", index says " + e.storedSize()));
                    continue;
                }
                byte[] plain;
                try {
                    Verified v = verifyFrame(e, b.bytes(), "fetched copy");
                    plain = v.plain();
                    if (e.kind() == BlobType.CHUNK.code) {
                        chunkBases.put(b.id(), v.base());
                    }
                } catch (ChunkCorruptException ex) {
                    bad.put(b.id(), ex);
                    continue;
                }
                // A delta later in the batch decodes against this plaintext: from the cache, not from the
                // partner again (its row points at the local pack only once the batch is committed).
                cache.put(new CacheKey(typeOf(e), b.id()), plain);
                placed.put(b.id(), packs.append(e.kind(), b.id().toBytes(), b.bytes()));
            }
            if (!placed.isEmpty()) {
                catalog.transaction(tx -> {
                    for (Map.Entry<ChunkId, LocalPacks.Location> p : placed.entrySet()) {
                        ChunkIndex.relocate(tx, p.getKey(), p.getValue().packId(), p.getValue().offset());
                        if (chunkBases.containsKey(p.getKey())) {
                            DeltaEdges.correct(tx, p.getKey(), chunkBases.get(p.getKey()));
                        }
                    }
                    return null;
                });
            }
            return bad;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    @Override
    public Reused reuseLocalRecords() throws IOException {
        gcLock.readLock().lock();
        try {
            return new PackReuse(catalog, packs, cipher, this::verify).run();
        } finally {
            gcLock.readLock().unlock();
        }
    }

    @Override
    public int rebuildDeltaIndex() throws IOException {
        DeltaIndexRebuild.Result r = DeltaIndexRebuild.run(catalog, id -> get(BlobType.CHUNK, id));
        return r.deltaRows() + r.fullChunksIndexed();
    }

    @Override
    public void setRemoteFetcher(RemoteFetcher fetcher) {
        this.remoteFetcher = fetcher;
    }

    @Override
    public Catalog catalog() {
        return catalog;
    }

    /** Bytes of all local pack files. */
    long packBytes() throws IOException {
        return packs.totalBytes();
    }

    @Override
    public StoreStats stats() {
        return new StoreStats(chunksPut.sum(), chunksNew.sum(), plainBytesNew.sum(), storedBytesNew.sum(),
                plainBytesDeduped.sum(), cacheHits.sum(), cacheMisses.sum(), deltasNew.sum(), deltaStoredBytes.sum(),
                deltaBytesSaved.sum(), deltaHintHits.sum());
    }

    @Override
    public void close() throws IOException {
        prefetchers.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("put pipeline did not drain within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        try {
            packs.sync();
            flushIndex();
        } finally {
            catalog.beforeTransaction(null);
            Lookup l;
            while ((l = lookups.poll()) != null) {
                l.close();
            }
            packs.close();
        }
    }
}
