package dev.pactfs.store;

import java.io.InterruptedIOException;
import java.util.concurrent.Callable;

/*
 * Why a flag and not Thread.interrupt(): the mount daemon runs a client's command on one of its own threads, and
 * that thread reads through channels the whole daemon shares (LocalPacks keeps one FileChannel per pack for every
 * reader; H2 writes its file from the committing thread). An interrupt delivered while a thread is inside such a
 * channel closes the channel for everybody (ClosedByInterruptException), so cancelling one restore would break
 * FUSE reads and could close the catalog. The work instead polls this flag at points where stopping leaves nothing
 * half-done: between files, between chunks, between 4 MiB writes of a put.
 */

/**
 * Cooperative cancellation of one command that the mount daemon runs for a client: the control server cancels it
 * when the client is interrupted (Ctrl-C) or goes away, and the work stops at its next {@link #checkpoint()}.
 *
 * <p>The cancellation in force is per thread ({@link #call}); on threads without one, and in every command not run
 * by the daemon, {@link #checkpoint()} does nothing. Thread-safe: {@link #cancel()} may come from any thread.
 */
public final class Cancellation {

    private static final ThreadLocal<Cancellation> CURRENT = new ThreadLocal<>();

    private final String what;
    private volatile boolean cancelled;

    /** A cancellation for the work named {@code what} (e.g. "restore"), used in the exception's message. */
    public Cancellation(String what) {
        this.what = what;
    }

    /** Thrown at a checkpoint once the work was cancelled. An IOException, so it travels through I/O code. */
    public static final class CancelledException extends InterruptedIOException {
        private static final long serialVersionUID = 1L;

        CancelledException(String what) {
            super(what + " cancelled: the client was interrupted or went away");
        }
    }

    /** Asks the work to stop at its next checkpoint. */
    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Runs {@code work} on this thread with this cancellation in force. */
    public <T> T call(Callable<T> work) throws Exception {
        Cancellation outer = CURRENT.get();
        CURRENT.set(this);
        try {
            return work.call();
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
        }
    }

    /** Throws if the work running on this thread has been cancelled; call it where stopping leaves nothing half-done. */
    public static void checkpoint() throws CancelledException {
        Cancellation c = CURRENT.get();
        if (c != null && c.cancelled) {
            throw new CancelledException(c.what);
        }
    }

    /** Whether the work running on this thread has been cancelled (for clean-up on the way out). */
    public static boolean requested() {
        Cancellation c = CURRENT.get();
        return c != null && c.cancelled;
    }
}
