package dev.pactfs.store;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/*
 * Why the catalog writes H2's file from its own thread and not from H2's background writer (decision 0005, issue 15):
 *
 * H2 2.4's MVStore closes itself on any failed write of its file: MVStore.storeNow catches every Throwable of
 * FileStore.storeIt and calls panic(), which records the exception, and unlockAndCheckPanicCondition then calls
 * closeImmediately(); every later statement fails with "database closed" (90098) until the file is opened again.
 * With WRITE_DELAY=500 the write came from H2's "MVStore background writer" thread (FileStore.writeInBackground ->
 * MVStore.tryCommit), at no moment the catalog knew of: a disk that another process had filled to the last byte
 * since the last commit was met by that thread, with nobody to release the space reserve first, and the store was
 * gone (DiskFullOtherProcessMountTest failed so, intermittently).
 *
 * So H2 runs without its writer: the catalog sets MVStore.setAutoCommitDelay(-1) (Database.setWriteDelay cannot: it
 * maps a negative delay to 0, and 0 makes TransactionStore.commit store a chunk at every commit, the cost the journal
 * removes; a negative delay starts no thread and stores nothing at commit). This thread stores instead, every
 * INTERVAL, and only after the same free-space check a writing transaction makes (Catalog#roomToWrite, which gives
 * the space reserve back when the disk is full); without room it leaves the changes in memory, where the journal
 * already has them on the disk, and tries again. H2 still stores by itself only when unsaved pages pass 3/4 of
 * autoCommitMemory (19 MiB at the daemon's heap; the flusher keeps them far below): at a commit, after that
 * transaction's check, or in a statement of a transaction that alone changes that much, as before the journal. The
 * catalog's CHECKPOINTs come after a check too. (Transaction.wasStored, the other store at commit, is set only for
 * prepared or named transactions, which the catalog does not use.)
 */

/**
 * Calls {@code flush} every {@link #INTERVAL_MS} on one daemon thread until closed; a failure of one call is the
 * callee's to report and does not stop the next. Thread-safe.
 */
final class CatalogFlusher implements AutoCloseable {

    /** How long H2's commits stay in memory at most (the journal holds them meanwhile), in milliseconds. */
    static final long INTERVAL_MS = 500;

    private final ScheduledExecutorService timer;

    CatalogFlusher(String name, Runnable flush) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pactfs-catalog-flush " + name);
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            try {
                flush.run();
            } catch (RuntimeException | Error e) {
                // scheduleWithFixedDelay would stop for good on an exception
                org.slf4j.LoggerFactory.getLogger(CatalogFlusher.class).warn("catalog flush failed: {}", e.toString());
            }
        }, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    /** Stops the thread, waiting for a flush in progress to end (briefly). */
    @Override
    public void close() {
        timer.shutdown();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
