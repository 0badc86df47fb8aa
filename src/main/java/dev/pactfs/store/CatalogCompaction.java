package dev.pactfs.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Why: with WRITE_DELAY=0 every commit writes a new MVStore chunk, and H2's background housekeeping (which would
 * rewrite sparse chunks and shrink the file) does not run at all with a write delay of 0. A chunk H2 no longer
 * needs is only reused after RETENTION_TIME (45 s): the file holds about 45 s of commits. Measured here: 200 small
 * files created through the mount grew the catalog from 0.55 to 10.7 MiB, and users saw 73-76 MiB against
 * 98-160 MiB of packs; only closing the database (which compacts for 200 ms) brought it back to ~1 MiB. On a small
 * disk that growth eats the margin kept for the catalog and then the space reserve.
 *
 * How: after a commit, at most once a second, if the file has grown by GROWTH_BYTES (or by half) since the last
 * compaction, the live pages of chunks under REWRITE_FILL_RATE are rewritten (MVStore.compact) and the chunks no
 * longer needed are freed at once (retention time 0 for that commit and sync only, then set back, so between
 * compactions H2 keeps its 45 s rule). The file does not shrink, but the next commits reuse the freed space.
 * MVStore.compactFile (which also moves chunks and truncates the file, as H2 does on close) was tried first: under
 * -ea its chunk move failed H2's own assertion and the store closed itself (PruneKillTest), so it is not used.
 * Measured, 200 small files created at a time through the mount: 7.0, 8.5, 14.9 MB after 200, 400, 600 files
 * (without: 10.7 MB after 200, 19.4 MB after 400). Growth is slowed, not bounded: the space reserve and the pack
 * margin must cover the rest.
 * SHUTDOWN COMPACT is not possible while mounted.
 */

/**
 * Keeps the catalog file near its live size while the repo is open: compacts it online when it has grown.
 *
 * <p>Thread-safe: one compaction at a time (others skip); H2 blocks commits while it runs.
 */
final class CatalogCompaction {

    private static final Logger log = LoggerFactory.getLogger(CatalogCompaction.class);

    /** Growth of the file since the last compaction that triggers the next one, in bytes (or half its size). */
    static final long GROWTH_BYTES = 4L << 20;
    /** Chunks less full than this (percent) have their live pages rewritten. */
    static final int REWRITE_FILL_RATE = 80;
    /** Most bytes of live pages one compaction rewrites. */
    static final int REWRITE_BYTES = 16 << 20;
    /** Least time between two checks of the file's size, in nanoseconds. */
    static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;
    /** Free space below which no online compaction starts: moving chunks may grow the file for a moment. */
    static final long MIN_FREE_BYTES = 4L << 20;

    private final Path dbFile;
    private final ReentrantLock running = new ReentrantLock();
    private volatile long compactedSize = -1;
    private volatile long lastCheck = System.nanoTime();

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
        long size = size();
        if (compactedSize < 0) {
            compactedSize = size;
            return;
        }
        if (size < compactedSize + Math.max(GROWTH_BYTES, compactedSize / 2) || !running.tryLock()) {
            return;
        }
        try {
            if (Files.getFileStore(dbFile).getUsableSpace() < MIN_FREE_BYTES) {
                return;
            }
            compact(c);
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
            compact(c);
        } finally {
            running.unlock();
        }
    }

    private void compact(Connection c) throws SQLException {
        MVStore store = c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession() instanceof org.h2.engine.SessionLocal s
                ? s.getDatabase().getStore().getMvStore() : null;
        if (store == null || store.isClosed()) {
            return;
        }
        long before = size();
        int retention = store.getRetentionTime();
        long t0 = System.nanoTime();
        try {
            // Not compactFile: its chunk moves (compactMoveChunks) tripped H2's own assertion and then closed the
            // store in PruneKillTest. Rewriting sparse chunks and freeing unused ones at once (retention 0 for this
            // commit only) stops the growth: the freed space inside the file is reused by the next commits.
            store.setRetentionTime(0);
            store.compact(REWRITE_FILL_RATE, REWRITE_BYTES);
            store.commit();
            store.sync();
        } finally {
            store.setRetentionTime(retention);
        }
        compactedSize = size();
        log.debug("catalog compacted online from {} to {} bytes in {} ms", before, compactedSize,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private long size() {
        try {
            return Files.size(dbFile);
        } catch (IOException e) {
            return 0;
        }
    }
}
