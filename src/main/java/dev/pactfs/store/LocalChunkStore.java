package dev.pactfs.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.ChunkIdHasher;
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
    private final ChunkIdHasher hasher;
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
    private final ConcurrentHashMap<ChunkId, CompletableFuture<Void>> storing = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    /** Source of evicted payloads (the partner layer); null when there is none. */
    private volatile RemoteFetcher remoteFetcher;

    /** New index rows not yet inserted into H2; see "Pending rows" above. */
    private final ConcurrentHashMap<ChunkId, ChunkIndex.Entry> pendingRows = new ConcurrentHashMap<>();
    private final java.util.concurrent.locks.ReentrantLock flushLock = new java.util.concurrent.locks.ReentrantLock();
    /** Idle lookup sessions (connection + prepared find statement). */
    private final java.util.concurrent.ConcurrentLinkedQueue<Lookup> lookups = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    /** Pending rows that make a put worker insert them in one transaction. */
    static final int FLUSH_ROWS = 128;

    private record Lookup(java.sql.Connection connection, java.sql.PreparedStatement find) {
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

    LocalChunkStore(Catalog catalog, LocalPacks packs, BlobCipher cipher, ChunkIdHasher hasher, StoreOptions options) {
        this.catalog = catalog;
        this.packs = packs;
        this.cipher = cipher;
        this.hasher = hasher;
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
    }

    /** The index row of {@code id}: a pending one, else H2's; null when unknown. */
    private ChunkIndex.Entry lookup(ChunkId id) throws IOException {
        ChunkIndex.Entry e = pendingRows.get(id);
        if (e != null) {
            return e;
        }
        Lookup l = lookups.poll();
        try {
            if (l == null) {
                java.sql.Connection c = catalog.readConnection();
                try {
                    l = new Lookup(c, c.prepareStatement(ChunkIndex.FIND_SQL));
                } catch (java.sql.SQLException ex) {
                    c.close();
                    throw ex;
                }
            }
            e = ChunkIndex.find(l.find(), id);
        } catch (java.sql.SQLException ex) {
            if (l != null) {
                l.close();
            }
            throw Catalog.translate("looking up chunk " + id.shortHex(), ex);
        }
        if (closed) {
            l.close();
        } else {
            lookups.offer(l);
        }
        return e;
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
                    return null;
                });
            } catch (IOException e) {
                if (NoSpaceException.isNoSpace(e)) {
                    throw new NoSpaceException("indexing " + rows.size() + " chunks", e);
                }
                throw e;
            }
            for (ChunkIndex.Entry e : rows) {
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
    public ChunkId put(BlobType type, byte[] plain) throws IOException {
        ChunkId id = idOf(type, plain);
        chunksPut.increment();
        ChunkId out;
        try {
            out = putHashed(type, id, plain);
        } catch (NoSpaceException e) {
            // Files deleted since the last collection may have left dead records: free them and try once more,
            // so that writing resumes as soon as the user has made room.
            collectGarbage();
            out = putHashed(type, id, plain);
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

    /**
     * A blob's id: HMAC(K_id, plaintext) for file chunks; for other types HMAC(K_id, typeCode | plaintext), so a
     * tree blob can never share an id with a chunk of identical bytes.
     */
    private ChunkId idOf(BlobType type, byte[] plain) {
        if (type == BlobType.CHUNK) {
            return hasher.hash(plain, 0, plain.length);
        }
        byte[] prefixed = new byte[plain.length + 1];
        prefixed[0] = (byte) type.code;
        System.arraycopy(plain, 0, prefixed, 1, plain.length);
        return hasher.hash(prefixed, 0, prefixed.length);
    }

    private ChunkId putHashed(BlobType type, ChunkId id, byte[] plain) throws IOException {
        gcLock.readLock().lock();
        try {
            pin(id);
            try {
                ensureStored(type, id, plain);
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
                    return put(plain);
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

    private void ensureStored(BlobType type, ChunkId id, byte[] plain) throws IOException {
        while (true) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> other = storing.putIfAbsent(id, mine);
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
                if (lookup(id) != null) {
                    plainBytesDeduped.add(plain.length);
                } else {
                    storeNew(type, id, plain);
                }
                mine.complete(null);
                return;
            } catch (IOException | RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                storing.remove(id, mine);
            }
        }
    }

    private void storeNew(BlobType type, ChunkId id, byte[] plain) throws IOException {
        byte[] idBytes = id.toBytes();
        byte[] sealed = cipher.seal(type, idBytes, Compression.frame(plain));
        LocalPacks.Location loc;
        try {
            loc = packs.append(type.code, idBytes, sealed);
        } catch (IOException e) {
            if (NoSpaceException.isNoSpace(e)) {
                throw new NoSpaceException("appending chunk " + id.shortHex(), e);
            }
            throw e;
        }
        pendingRows.put(id, new ChunkIndex.Entry(id, type.code, plain.length, sealed.length, 0, loc.packId(),
                loc.offset()));
        chunksNew.increment();
        plainBytesNew.add(plain.length);
        storedBytesNew.add(sealed.length);
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
        byte[] framed;
        try {
            framed = cipher.open(typeOf(e), e.id().toBytes(), sealed);
        } catch (BlobCorruptException ex) {
            throw new ChunkCorruptException(e.id(), where, ex.getMessage());
        }
        byte[] plain;
        try {
            plain = Compression.unframe(framed, e.plainSize());
        } catch (IllegalArgumentException ex) {
            throw new ChunkCorruptException(e.id(), where, ex.getMessage());
        }
        if (!idOf(typeOf(e), plain).equals(e.id())) {
            throw new ChunkCorruptException(e.id(), where, "plaintext does not hash to the chunk id");
        }
        return plain;
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
    public synchronized GcStats collectGarbage() throws IOException {
        long freed = 0;
        long freedBytes = 0;
        gcLock.writeLock().lock();
        try {
            flushIndex();
            // Freeing a tree blob drops the references it held, which may free its children: repeat until stable.
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
                    break;
                }
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
        for (Map.Entry<Long, Long> p : sizes.entrySet()) {
            long packId = p.getKey();
            long size = p.getValue();
            long liveBytes = live.getOrDefault(packId, 0L);
            if (packId == current || size == 0 || liveBytes >= LIVE_FRACTION_TO_KEEP * size) {
                continue;
            }
            rewritePack(packId);
            rewritten++;
            reclaimed += size - liveBytes;
        }
        if (rewritten > 0) {
            log.info("compaction rewrote {} packs, reclaimed {} bytes", rewritten, reclaimed);
        }
        return new GcStats(freed, freedBytes, rewritten, reclaimed);
    }

    /** Moves the live records of {@code packId} to the current pack, then deletes it. */
    private void rewritePack(long packId) throws IOException {
        // Puts hold the read side from their append until their row is pending: with the write side, every
        // record in this (closed) pack has its row pending or in H2; flush, so the query below sees them all.
        gcLock.writeLock().lock();
        try {
            flushIndex();
        } finally {
            gcLock.writeLock().unlock();
        }
        List<ChunkIndex.Entry> entries = catalog.transaction(tx -> ChunkIndex.inPack(tx, packId));
        List<LocalPacks.Location> moved = new java.util.ArrayList<>(entries.size());
        for (ChunkIndex.Entry e : entries) {
            byte[] idBytes = e.id().toBytes();
            byte[] sealed = packs.read(new LocalPacks.Location(packId, e.packOffset()), e.kind(), idBytes, e.storedSize());
            moved.add(packs.append(e.kind(), idBytes, sealed, true));
        }
        packs.sync();
        catalog.transaction(tx -> {
            for (int i = 0; i < entries.size(); i++) {
                ChunkIndex.relocate(tx, entries.get(i).id(), moved.get(i).packId(), moved.get(i).offset());
            }
            return null;
        });
        catalog.sync();
        packs.delete(packId);
    }

    @Override
    public CheckReport check(boolean readData) throws IOException {
        flushIndex();
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
                    if (readData) {
                        totals[2] += sealed.length;
                        verify(e, sealed);
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

    @Override
    public void adoptSealed(ChunkId id, byte[] sealed) throws IOException {
        gcLock.readLock().lock();
        try {
            ChunkIndex.Entry e = catalog.transaction(tx -> ChunkIndex.find(tx, id));
            if (e == null) {
                throw new StoreException("chunk " + id.toHex() + " is not in the index");
            }
            if (e.packId() != null) {
                return;
            }
            if (sealed.length != e.storedSize()) {
                throw new ChunkCorruptException(id, "fetched copy", "length " + sealed.length + ", index says " + e.storedSize());
            }
            verify(e, sealed, "fetched copy");
            LocalPacks.Location loc = packs.append(e.kind(), id.toBytes(), sealed);
            catalog.transaction(tx -> {
                ChunkIndex.relocate(tx, id, loc.packId(), loc.offset());
                return null;
            });
        } finally {
            gcLock.readLock().unlock();
        }
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
                plainBytesDeduped.sum(), cacheHits.sum(), cacheMisses.sum());
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
