package dev.pactfs.partner;

import java.io.Closeable;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's replication thread: a pass every {@link #INTERVAL_MS}, or sooner when {@link #wake} is called;
 * after a failure (partner not mounted, unreachable) the next try waits with exponential backoff from
 * {@link #BACKOFF_MIN_MS} to {@link #BACKOFF_MAX_MS}. Writes into the mount are never blocked by it.
 * After each successful pass, {@code afterPass} runs (the local cache limit).
 */
public final class BackgroundReplicator implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(BackgroundReplicator.class);

    /** Pause between passes when all is well, ms. */
    static final long INTERVAL_MS = 60_000;
    /** First retry delay after a failure, ms. */
    static final long BACKOFF_MIN_MS = 2_000;
    /** Longest retry delay, ms. */
    static final long BACKOFF_MAX_MS = 300_000;
    /** How long {@link #close} waits for a running pass to stop, ms. */
    static final long STOP_WAIT_MS = 5_000;

    private final Replicator replicator;
    private final IoAction afterPass;
    private final Thread thread;
    private final Object wakeLock = new Object();
    private boolean wakeRequested;
    private volatile boolean stopping;
    private volatile long nextRetryMs;

    /** An action that may fail with an IOException. */
    @FunctionalInterface
    public interface IoAction {
        void run() throws IOException;
    }

    public BackgroundReplicator(Replicator replicator, IoAction afterPass) {
        this.replicator = replicator;
        this.afterPass = afterPass;
        this.thread = new Thread(this::loop, "pactfs-replicator");
        this.thread.setDaemon(true);
    }

    public BackgroundReplicator start() {
        thread.start();
        return this;
    }

    public Replicator replicator() {
        return replicator;
    }

    /** Whether the replication thread is still running (tests: it must end on {@link #close}). */
    boolean isAlive() {
        return thread.isAlive();
    }

    /** Wall-clock time of the next retry after a failure, or 0. */
    public long nextRetryMs() {
        return nextRetryMs;
    }

    /** Asks for a pass now (after a snapshot, say). */
    public void wake() {
        synchronized (wakeLock) {
            wakeRequested = true;
            wakeLock.notifyAll();
        }
    }

    private void loop() {
        long backoff = BACKOFF_MIN_MS;
        while (!stopping) {
            long delay;
            try {
                replicator.runPass();
                if (afterPass != null) {
                    afterPass.run();
                }
                backoff = BACKOFF_MIN_MS;
                nextRetryMs = 0;
                delay = INTERVAL_MS;
            } catch (IOException | RuntimeException e) {
                if (stopping) {
                    break;
                }
                log.warn("replication: {} (retrying in {} s)", e.getMessage(), backoff / 1000);
                nextRetryMs = System.currentTimeMillis() + backoff;
                delay = backoff;
                backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
            }
            synchronized (wakeLock) {
                long until = System.currentTimeMillis() + delay;
                while (!wakeRequested && !stopping) {
                    long left = until - System.currentTimeMillis();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        wakeLock.wait(left);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                wakeRequested = false;
            }
        }
    }

    /**
     * Stops the thread: a running pass stops before its next pack and is waited for up to
     * {@link #STOP_WAIT_MS}; a pass waiting on partner I/O is released at once (the replicator closes its timed
     * target), so a hung partner never holds up unmount. The thread is never interrupted: an interrupt during
     * H2's file I/O would close the catalog's file channel under every other user. A pass still running after
     * the wait fails at its next catalog access once the repo is closed, leaving at most a temp file or an
     * unrecorded pack (both handled by the next pass).
     */
    @Override
    public void close() {
        stopping = true;
        replicator.cancel();
        wake();
        try {
            thread.join(STOP_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
