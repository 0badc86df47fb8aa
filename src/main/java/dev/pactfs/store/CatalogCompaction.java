package dev.pactfs.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Why: with WRITE_DELAY=0 every commit writes a new MVStore chunk, and H2's background housekeeping (which would
 * rewrite sparse chunks and shrink the file) does not run at all with a write delay of 0. H2 frees a dead chunk (one
 * whose pages later commits have all replaced) only once the chunk is RETENTION_TIME (45 s) old: the file held about
 * 45 s of commits. Users saw 73-76 MB against 98-160 MB of packs (1.1 MB after a remount, because closing compacts);
 * on a small disk that growth eats the margin kept for the catalog and then the space reserve.
 *
 * What bounds it: the catalog's "in use" bytes (the file's size times H2's fill rate) are checked after a commit, at
 * most every 100 ms. Once they have grown by GROWTH_BYTES (or a quarter) since the last compaction, the live pages
 * of sparse chunks are rewritten (MVStore.compact) and every dead chunk is freed at once; the following commits
 * reuse that space inside the file, and H2 truncates a free tail. So the file stays near the live catalog plus
 * GROWTH_BYTES plus 100 ms of commits plus fragmentation (measured in docs/design.md, tested by
 * CatalogGrowthMountTest). The first attempt (retention 0 for one commit, triggered at half the file's size) did not
 * bound it: the trigger ratcheted up with a file that never shrinks, and the chunks the rewrite killed were not yet
 * freeable (H2 frees chunks dead before the last stored version only) when retention went back to 45 s.
 *
 * Why freeing is ordered after a sync: overwriting a dead chunk is only safe once the commit that killed it is on the
 * device; otherwise a power cut can leave the chunk overwritten while the older version that still needs it is the
 * newest one on disk, and the catalog is corrupt, fsynced data included. H2's 45 s is a guess that the OS flushed by
 * then (and it counts from the dead chunk's creation, not from the commit that killed it). So we set the retention
 * time to "never" (Integer.MAX_VALUE ms, ~24 days) on every store we see: H2 frees nothing by itself, and each freeing
 * commit here runs right after MVStore.sync(), with retention 0 only for that commit. A commit of another thread that
 * lands in that window (milliseconds) frees with retention 0 too; that is the one gap left, much narrower than H2's
 * own rule. A kill -9 loses nothing either way: every write is in the OS when commit returns.
 *
 * Not used: MVStore.compactFile (moves chunks and truncates, as H2 does on close): under -ea its chunk move failed
 * H2's own assertion and H2 closed the store (PruneKillTest); h2database issue 4086 reports that assertion
 * (RandomAccessStore.moveChunkInside) from compactFile since 2.3.230. SHUTDOWN COMPACT would close the database
 * under the mount.
 */

/**
 * Keeps the catalog file near its live size while the repo is open: compacts it online when it has grown.
 *
 * <p>Thread-safe: one compaction at a time (others skip); H2 blocks commits while it rewrites.
 */
final class CatalogCompaction {

    private static final Logger log = LoggerFactory.getLogger(CatalogCompaction.class);

    /** Growth of the bytes in use since the last compaction that triggers the next one (or a quarter of them). */
    static final long GROWTH_BYTES = 4L << 20;
    /** Chunks less full than this (percent) have their live pages rewritten. */
    static final int REWRITE_FILL_RATE = 80;
    /** Most bytes of live pages one compaction rewrites. */
    static final int REWRITE_BYTES = 16 << 20;
    /**
     * Least time between two checks of the bytes in use, in nanoseconds (a check is a stat and a bit count). Between
     * checks the file can grow by the commits of this long, beyond GROWTH_BYTES.
     */
    static final long CHECK_INTERVAL_NANOS = 100_000_000L;
    /**
     * Free space below which pages are not rewritten (a rewrite may grow the file); dead chunks are still freed down
     * to the catalog's own floor (Catalog.MIN_FREE_BYTES), since that is what lets later commits reuse the file.
     */
    static final long MIN_FREE_BYTES = 4L << 20;
    /**
     * Retention time set on every store: H2 never frees a dead chunk by itself (see above; a chunk older than this,
     * ~24 days, would be freed by H2's own rule again).
     */
    static final int RETAIN_UNTIL_FREED = Integer.MAX_VALUE;
    /**
     * Freeing commits after each sync. H2 frees only chunks that died before the last stored version, so the chunks
     * the rewrite just killed need this many more stored versions.
     */
    static final int FREEING_COMMITS = 3;
    /** A map of our own in the store: one key changed so that a freeing commit stores a version. */
    static final String MAP_NAME = "pactfs.compaction";

    private final Path dbFile;
    private final ReentrantLock running = new ReentrantLock();
    private volatile long compactedInUse = -1;
    private volatile long lastCheck = System.nanoTime() - CHECK_INTERVAL_NANOS;
    /** The store whose retention time was set (a catalog reopened after H2 closed itself is a new store). */
    private volatile MVStore configured;

    CatalogCompaction(Path dbFile) {
        this.dbFile = dbFile;
    }

    /** After a commit on {@code c}: compacts when the file has grown enough since the last time. Never fails. */
    void afterCommit(Connection c) {
        long now = System.nanoTime();
        if (now - lastCheck < CHECK_INTERVAL_NANOS) {
            return;
        }
        lastCheck = now;
        if (!running.tryLock()) {
            return;
        }
        try {
            MVStore store = store(c);
            if (store == null) {
                return;
            }
            long inUse = inUse(store);
            if (compactedInUse >= 0 && inUse < compactedInUse + Math.max(GROWTH_BYTES, compactedInUse / 4)) {
                return;
            }
            long usable = Files.getFileStore(dbFile).getUsableSpace();
            if (usable < Catalog.MIN_FREE_BYTES) {
                // A write meeting a full disk closes H2: leave it to the next commit, which releases the reserve.
                return;
            }
            compact(store, usable >= MIN_FREE_BYTES);
        } catch (IOException | SQLException | RuntimeException e) {
            // The commit itself succeeded; a failed compaction only leaves the file larger (and if H2 closed the
            // store, the next transaction reports it and the catalog reopens it).
            log.warn("online compaction of the catalog {} failed: {}", dbFile, e.toString());
        } finally {
            running.unlock();
        }
    }

    /** Compacts now (pactfs gc), waiting for a compaction already running. */
    void compactNow(Connection c) throws SQLException {
        running.lock();
        try {
            MVStore store = store(c);
            if (store != null) {
                compact(store, true);
            }
        } finally {
            running.unlock();
        }
    }

    /**
     * Before closing: H2's own compaction on close (SHUTDOWN) rewrites and frees only what its retention time
     * allows, so it gets H2's default back; closing syncs before it moves chunks.
     */
    void beforeClose(Connection c) throws SQLException {
        MVStore store = store(c);
        if (store != null) {
            store.sync();
            store.setRetentionTime(store.getFileStore().getDefaultRetentionTime());
        }
    }

    /** On opening the catalog: H2 frees no dead chunk by itself from now on (see above). */
    void opened(Connection c) throws SQLException {
        store(c);
    }

    /** The open MVStore under {@code c}, its retention time set to {@link #RETAIN_UNTIL_FREED}; null if closed. */
    private MVStore store(Connection c) throws SQLException {
        MVStore store = c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession() instanceof org.h2.engine.SessionLocal s
                ? s.getDatabase().getStore().getMvStore() : null;
        if (store == null || store.isClosed()) {
            return null;
        }
        if (configured != store) {
            store.setRetentionTime(RETAIN_UNTIL_FREED);
            configured = store;
        }
        return store;
    }

    private void compact(MVStore store, boolean rewrite) {
        long before = size();
        long t0 = System.nanoTime();
        MVMap<String, Long> marker = store.openMap(MAP_NAME);
        for (int i = 0; i < FREEING_COMMITS; i++) {
            // Every chunk freed by the next commit died in a version this sync puts on the device (see above).
            store.sync();
            // Retention 0 also lets the rewrite pick chunks younger than the retention time (H2 rewrites only
            // chunks it could free); its copies are new chunks, so the rewrite itself overwrites nothing.
            store.setRetentionTime(0);
            try {
                if (i == 0 && rewrite) {
                    store.compact(REWRITE_FILL_RATE, REWRITE_BYTES);
                }
                marker.put("compactions", marker.getOrDefault("compactions", 0L) + 1);
                store.commit();
            } finally {
                store.setRetentionTime(RETAIN_UNTIL_FREED);
            }
        }
        store.sync();
        compactedInUse = inUse(store);
        log.debug("catalog compacted online: file {} -> {} bytes, {} in use, in {} ms", before, size(), compactedInUse,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Bytes of the file H2 has allocated to chunks: its size times H2's fill rate. */
    private long inUse(MVStore store) {
        return size() * store.getFileStore().getFillRate() / 100;
    }

    private long size() {
        try {
            return Files.size(dbFile);
        } catch (IOException e) {
            return 0;
        }
    }
}
