package dev.pactfs.partner;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * Why threads: a syscall on a hard NFS mount whose server went away (or on a stalled SSHFS) blocks forever and
 * cannot be interrupted from Java. So every verb runs on a worker thread and the caller waits for it with a
 * deadline; on timeout the caller gets a PartnerTimeoutException and the worker is abandoned (left blocked in the
 * kernel; it is a daemon thread, so it never keeps the JVM alive). An abandoned save leaves at most a temp file
 * (DirectoryTarget's atomic publish), or a pack published after all, which the next pass adopts as an orphan.
 *
 * Abandoned workers are counted until they return; while MAX_HUNG of them are still blocked, further calls fail
 * at once instead of piling up more blocked threads (a hung partner retried with backoff for a day would
 * otherwise leave hundreds). close() (shutdown) cancels every wait, so a caller blocked here returns at once.
 */

/** Runs every verb of a target under a deadline ({@link PartnerTimeouts}); see the comment above. Thread-safe. */
final class TimedTarget extends ForwardingTarget {

    /** Abandoned operations still blocked beyond which calls fail without trying. */
    static final int MAX_HUNG = 4;

    private final PartnerTimeouts timeouts;
    private final ThreadPoolExecutor workers;
    private final Set<Future<?>> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicInteger hung = new AtomicInteger();
    private volatile String lastTimeout;
    private volatile boolean closed;

    TimedTarget(PartnerTarget inner, PartnerTimeouts timeouts) {
        super(inner);
        this.timeouts = timeouts;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "pactfs-partner-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** A verb of the inner target. */
    @FunctionalInterface
    private interface Op<T> {
        T call() throws IOException;
    }

    /** One call's fate, so that a worker returning after its caller gave up is counted back. */
    private final class Call {
        private boolean done;
        private boolean abandoned;

        synchronized void finished() {
            done = true;
            if (abandoned) {
                hung.decrementAndGet();
            }
        }

        synchronized void abandon() {
            if (!done && !abandoned) {
                abandoned = true;
                hung.incrementAndGet();
            }
        }
    }

    private <T> T run(String what, Duration limit, Op<T> op) throws IOException {
        if (closed) {
            throw new PartnerUnavailableException("partner I/O stopped (shutting down)");
        }
        int stuck = hung.get();
        if (stuck >= MAX_HUNG) {
            throw new PartnerTimeoutException("partner not responding (" + stuck + " earlier operations at "
                    + inner.location() + " are still blocked; the last: " + lastTimeout + ")");
        }
        Call call = new Call();
        Future<T> f;
        try {
            f = workers.submit(() -> {
                try {
                    return op.call();
                } finally {
                    call.finished();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new PartnerUnavailableException("partner I/O stopped (shutting down)");
        }
        waiting.add(f);
        if (closed) {
            f.cancel(false); // close() ran between our check and the add: do not wait out the deadline
        }
        try {
            return f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.abandon();
            String msg = what + " at " + inner.location() + " timed out after " + seconds(limit);
            lastTimeout = msg;
            throw new PartnerTimeoutException("partner not responding (" + msg + ")");
        } catch (CancellationException e) {
            call.abandon();
            throw new PartnerUnavailableException("partner I/O stopped (shutting down) during " + what);
        } catch (InterruptedException e) {
            call.abandon();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for " + what + " at " + inner.location());
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new UncheckedIOException(new IOException(c));
        } finally {
            waiting.remove(f);
        }
    }

    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format("%.1f s", ms / 1000.0);
    }

    /** Operations given up on whose thread has not returned yet. */
    int hung() {
        return hung.get();
    }

    private static String file(Kind kind, String name) {
        return switch (kind) {
            case CONFIG -> "config";
            case PACK -> "packs/" + name;
            case INDEX -> "index/" + name;
            case SNAPSHOT -> "snapshots/" + name;
            case MANIFEST -> "manifests/" + name;
        };
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        run("save of " + file(kind, name), timeouts.data(), () -> {
            inner.save(kind, name, data);
            return null;
        });
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        Duration limit = kind == Kind.CONFIG ? timeouts.metadata() : timeouts.data();
        return run("read of " + file(kind, name), limit, () -> inner.load(kind, name, offset, length));
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        return run("stat of " + file(kind, name), timeouts.metadata(), () -> inner.stat(kind, name));
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        return run("listing of " + kind.name().toLowerCase(java.util.Locale.ROOT), timeouts.data(), () -> inner.list(kind));
    }

    @Override
    public java.util.SortedMap<String, Long> sizes(Kind kind) throws IOException {
        return run("sized listing of " + kind.name().toLowerCase(java.util.Locale.ROOT), timeouts.data(),
                () -> inner.sizes(kind));
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        run("delete of " + file(kind, name), timeouts.metadata(), () -> {
            inner.delete(kind, name);
            return null;
        });
    }

    @Override
    public int cleanup() throws IOException {
        return run("temp file cleanup", timeouts.data(), inner::cleanup);
    }

    @Override
    public long usableSpace() throws IOException {
        return run("free space query", timeouts.metadata(), inner::usableSpace);
    }

    @Override
    public ManifestHead manifestHead() throws IOException {
        return run("manifest head query", timeouts.metadata(), inner::manifestHead);
    }

    @Override
    public byte[] challenge(Kind kind, String name, long offset, int length, byte[] nonce) throws IOException {
        return run("audit challenge", timeouts.metadata(), () -> inner.challenge(kind, name, offset, length, nonce));
    }

    /** Stops: every caller waiting here returns at once; blocked workers are left to the kernel. */
    @Override
    public void close() throws IOException {
        closed = true;
        for (Future<?> f : waiting) {
            f.cancel(false);
        }
        workers.shutdown();
        inner.close();
    }
}
