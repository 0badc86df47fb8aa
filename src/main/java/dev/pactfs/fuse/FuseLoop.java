package dev.pactfs.fuse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * libfuse 2's multithreaded request loop, run on Java threads instead of libfuse's own.
 *
 * <p>Why: jnr-fuse mounts through {@code fuse_main_real}, whose loop serves requests on native threads; jffi
 * attaches such a thread to the JVM for every callback and detaches it afterwards ({@code closure_begin} /
 * {@code closure_end} in jffi's Closure.c). Each FUSE request then paid a thread attach and detach (a new
 * {@link Thread} object, its JVM structures) and lost every per-thread cache: cipher and MAC instances, zstd
 * contexts, buffers (measured: ~7 000 attaches while reading 2 GB, with their garbage and C2 churn). Here the
 * loop is the same as libfuse's {@code fuse_session_loop_mt} — receive a request from the channel, process it —
 * but called from Java threads, which stay attached, so a callback costs a plain upcall.
 *
 * <p>Threads follow libfuse's rule: when a worker takes a request and none is left waiting, another starts (up to
 * {@link #MAX_WORKERS}), so a request blocked in a slow operation never holds up the others. Workers do not
 * exit before the session ends (libfuse's would above 10 idle ones: re-creating them is what this avoids).
 * The session ends when the filesystem is unmounted (the channel reports ENODEV); then the mount is torn down
 * as {@code fuse_main_real} would.
 */
final class FuseLoop {

    private static final Logger log = LoggerFactory.getLogger(FuseLoop.class);

    /** Most worker threads: far above the concurrency of any backup tool, a guard against a runaway. */
    static final int MAX_WORKERS = 64;
    private static final int EINTR = 4;
    /** How long the end of the loop waits for the other workers once one has seen the session end. */
    private static final long WORKER_EXIT_WAIT_NANOS = 5_000_000_000L;

    /** The libfuse 2 calls the loop needs (stable API since 2.6; jnr-fuse's LibFuse lacks them). */
    public interface LibFuseSession {
        Pointer fuse_setup(int argc, String[] argv, FuseOperations op, @size_t long opSize,
                PointerByReference mountpoint, IntByReference multithreaded, Pointer userData);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        Pointer fuse_get_session(Pointer fuse);

        Pointer fuse_session_next_chan(Pointer se, Pointer ch);

        @size_t long fuse_chan_bufsize(Pointer ch);

        int fuse_chan_recv(Pointer chp, Pointer buf, @size_t long size);

        void fuse_session_process(Pointer se, Pointer buf, @size_t long len, Pointer ch);

        int fuse_session_exited(Pointer se);

        void fuse_session_exit(Pointer se);

        // for ReplyTimeouts and KernelCacheGuard (libfuse 2.6 and 2.8)
        Pointer fuse_chan_new(Pointer op, int fd, @size_t long bufsize, Pointer data);

        int fuse_chan_send(Pointer ch, Pointer iov, @size_t long count);

        int fuse_chan_fd(Pointer ch);

        int fuse_lowlevel_notify_inval_inode(Pointer ch, long ino, @off_t long off, @off_t long len);

        int fuse_lowlevel_notify_inval_entry(Pointer ch, long parent, byte[] name, @size_t long namelen);
    }

    private static volatile LibFuseSession lib;

    private final Pointer session;
    private final Pointer channel;
    private final long bufSize;
    private final ReplyTimeouts replies;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private final CountDownLatch firstExit = new CountDownLatch(1);

    private FuseLoop(Pointer session, Pointer channel, long bufSize, ReplyTimeouts replies) {
        this.session = session;
        this.channel = channel;
        this.bufSize = bufSize;
        this.replies = replies;
    }

    private static LibFuseSession lib() {
        LibFuseSession l = lib;
        if (l == null) {
            try {
                l = LibraryLoader.create(LibFuseSession.class).failImmediately().load("fuse");
            } catch (RuntimeException | LinkageError e) {
                l = LibraryLoader.create(LibFuseSession.class).failImmediately().load("libfuse.so.2");
            }
            lib = l;
        }
        return l;
    }

    /**
     * Mounts {@code ops} at {@code mountPoint} with libfuse arguments {@code args} (program name, "-f", the mount
     * point, options), serves requests until the filesystem is unmounted, then tears the mount down. Throws when
     * the mount fails (libfuse has printed its reason on stderr). Replies go through {@link ReplyTimeouts}, and
     * {@code guard} may invalidate the kernel's caches while the mount lives.
     */
    static void mountAndServe(FuseOperations ops, String[] args, Path mountPoint, KernelCacheGuard guard) {
        LibFuseSession l = lib();
        PointerByReference mp = new PointerByReference();
        Pointer fuse = l.fuse_setup(args.length, args, ops, Struct.size(ops), mp, new IntByReference(), null);
        if (fuse == null) {
            throw new IllegalStateException("libfuse could not mount " + mountPoint);
        }
        try {
            Pointer se = l.fuse_get_session(fuse);
            Pointer ch = l.fuse_session_next_chan(se, null);
            ReplyTimeouts replies = new ReplyTimeouts(l, ch, guard, guard.nodes());
            guard.attach(l, ch);
            try {
                new FuseLoop(se, ch, l.fuse_chan_bufsize(ch), replies).serve();
            } finally {
                guard.detach(); // before teardown frees the channel
            }
        } finally {
            l.fuse_teardown(fuse, mp.getValue());
        }
    }

    /**
     * Runs workers until the session ends. Once one worker has returned, the others get ENODEV from the unmounted
     * channel at once; they are waited for a bounded time only, because after a device error (no unmount) a worker
     * may stay blocked in read(2), where libfuse's loop would cancel it.
     */
    private void serve() {
        startWorker();
        try {
            firstExit.await();
            long deadline = System.nanoTime() + WORKER_EXIT_WAIT_NANOS;
            List<Thread> all;
            synchronized (workers) {
                all = new ArrayList<>(workers);
            }
            for (Thread t : all) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, left / 1_000_000));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lib().fuse_session_exit(session);
        }
        log.debug("FUSE loop ended after {} worker threads", started.get());
    }

    private void startWorker() {
        synchronized (workers) {
            if (workers.size() >= MAX_WORKERS || lib().fuse_session_exited(session) != 0) {
                return;
            }
            Thread t = new Thread(this::work, "pactfs-fuse-" + started.incrementAndGet());
            t.setDaemon(true);
            workers.add(t);
            waiting.incrementAndGet();
            t.start();
        }
    }

    private void work() {
        LibFuseSession l = lib();
        Runtime runtime = Runtime.getSystemRuntime();
        Pointer buf = Memory.allocateDirect(runtime, (int) bufSize);
        Pointer chp = Memory.allocateDirect(runtime, runtime.addressSize()); // a struct fuse_chan **
        try {
            while (l.fuse_session_exited(session) == 0) {
                chp.putPointer(0, channel);
                int n = l.fuse_chan_recv(chp, buf, bufSize);
                if (n == -EINTR) {
                    continue;
                }
                if (n <= 0) {
                    if (n < 0) {
                        l.fuse_session_exit(session); // a device error: libfuse's loop ends the session too
                    }
                    break;
                }
                if (waiting.decrementAndGet() == 0) {
                    startWorker(); // nobody left to take the next request while this one runs
                }
                try {
                    replies.received(buf, n);
                    l.fuse_session_process(session, buf, n, replies.channel());
                    replies.done();
                } finally {
                    waiting.incrementAndGet();
                }
            }
        } finally {
            waiting.decrementAndGet();
            firstExit.countDown();
        }
    }
}
