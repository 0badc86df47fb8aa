package dev.pactfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The kernel caches names (entry_timeout), negative lookups (negative_timeout) and attributes (attr_timeout) for
 * FuseMount.KERNEL_CACHE_SECONDS. What it changes through FUSE it keeps true itself (its own create, unlink,
 * rename, write, setattr update or drop what they touch; hard links: ReplyTimeouts). What the daemon changes
 * without FUSE — a command over the control socket (put, restore, snapshot create/rm, forget, gc, rollback, any
 * future one), an automatic snapshot — the kernel cannot know. Every such change runs through outsideFuse:
 *
 *   begin:  active++ and epoch++; then invalidate everything the kernel may hold
 *   run the change
 *   end:    active-- and epoch++; then invalidate everything again
 *
 * and every reply to a request that arrived while a change was running, or whose arrival and reply lie on two
 * sides of a begin or end (its epoch moved), carries zero timeouts (ReplyTimeouts). So the kernel holds nothing
 * with a timeout from the time a change runs: what it may hold from before was dropped at begin, and the end's
 * invalidation also drops the zero-timeout entries still within their jiffy.
 *
 * "Invalidate everything" with the only calls libfuse 2.9 has (fuse_lowlevel_notify_inval_entry/_inode, by node
 * id), in this order:
 *   1. a barrier per directory node: an entry invalidation of a name that never exists. The kernel takes the
 *      directory's lock for it (fuse_reverse_inval_entry), and a lookup or create holds that lock from its
 *      request until its dentry is installed, so afterwards no reply sent before begin is still to be installed.
 *   2. the attributes of every node the kernel holds (KernelNodes; the root too). This also bumps the node's
 *      attr_version, so a reply to a request made before it is ignored when it arrives (fuse_change_attributes).
 *   3. the entry of every name in the root directory, before and after the change, and /.snapshots: the kernel
 *      d_invalidate()s each, which prunes every unused dentry below it, positive or negative. What survives is
 *      in use (a working directory, an open file): its name still leads to the same libfuse node (libfuse
 *      addresses by path), and its attributes were dropped in 2.
 * Negative dentries directly in the root are the only ones not pruned by a parent: they are dropped by name,
 * which is why the root's names are read before the change too (a name the change creates).
 *
 * Not called from a FUSE request (a mkdir or rmdir in /.snapshots is a FUSE operation the kernel accounts for
 * itself: rmdir drops the removed directory's dentry and prunes the ones below it): the barrier would wait for the
 * lock that request holds.
 */

/**
 * Keeps the kernel's entry and attribute caches of the mount true when the daemon changes the tree outside FUSE
 * (see the comment above). Thread-safe; changes may run concurrently.
 */
public final class KernelCacheGuard {

    private static final Logger log = LoggerFactory.getLogger(KernelCacheGuard.class);

    /** libfuse's root node id (FUSE_ROOT_ID). */
    static final long ROOT_NODE = 1;
    /**
     * The name of the barrier's invalidation: only the directory lock it takes matters. A valid name no tool makes
     * (were it there, its dentry would only be dropped, which is harmless); NUL-terminated, libfuse sends the NUL.
     */
    private static final byte[] BARRIER = ".pactfs-kernel-cache-barrier\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SNAPSHOTS = ".snapshots".getBytes(StandardCharsets.US_ASCII);

    /** The names in the root directory, as the daemon sees them now. */
    @FunctionalInterface
    interface RootNames {
        List<byte[]> get() throws IOException;
    }

    private final RootNames rootNames;
    private final KernelNodes nodes = new KernelNodes();
    private final Object lock = new Object();
    /** Changes running now; guarded by {@link #lock}, read without it. */
    private volatile int active;
    /** Moves at every begin and end of a change. */
    private volatile long epoch;
    private final Object channelLock = new Object();
    /** libfuse's channel while mounted, else null; guarded by {@link #channelLock}. */
    private Pointer channel;
    private FuseLoop.LibFuseSession lib;

    KernelCacheGuard(RootNames rootNames) {
        this.rootNames = rootNames;
    }

    /** Runs {@code change}, a change to the live tree made without FUSE, so that the mount shows it at once. */
    public void outsideFuse(Runnable change) {
        Set<ByteKey> names = new LinkedHashSet<>();
        synchronized (lock) {
            active++;
            epoch++;
        }
        try {
            invalidateAll(names);
            change.run();
        } finally {
            synchronized (lock) {
                active--;
                epoch++;
            }
            invalidateAll(names);
        }
    }

    long epoch() {
        return epoch;
    }

    /** Whether a reply to a request that arrived at {@code requestEpoch} may carry the mount's timeouts. */
    boolean mayCache(long requestEpoch) {
        return active == 0 && epoch == requestEpoch;
    }

    KernelNodes nodes() {
        return nodes;
    }

    void attach(FuseLoop.LibFuseSession l, Pointer ch) {
        synchronized (channelLock) {
            this.lib = l;
            this.channel = ch;
        }
    }

    void detach() {
        synchronized (channelLock) {
            this.channel = null;
        }
    }

    /** Drops the kernel's cached attributes of node {@code nodeid} (not its page cache). */
    void invalidateAttributes(long nodeid) {
        synchronized (channelLock) {
            if (channel != null) {
                lib.fuse_lowlevel_notify_inval_inode(channel, nodeid, -1, 0);
            }
        }
    }

    /** Steps 1–3 of the comment above; adds the root's current names to {@code names}, then drops all of them. */
    private void invalidateAll(Set<ByteKey> names) {
        try {
            for (byte[] n : rootNames.get()) {
                names.add(new ByteKey(n));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot list the root to drop the kernel's cached names: {}", e.toString());
        }
        names.add(new ByteKey(SNAPSHOTS));
        synchronized (channelLock) {
            if (channel == null) {
                return;
            }
            List<Long> dirs = new ArrayList<>(nodes.dirs());
            dirs.add(ROOT_NODE);
            for (long d : dirs) {
                lib.fuse_lowlevel_notify_inval_entry(channel, d, BARRIER, BARRIER.length - 1);
            }
            List<Long> all = new ArrayList<>(nodes.all());
            all.add(ROOT_NODE);
            for (long n : all) {
                lib.fuse_lowlevel_notify_inval_inode(channel, n, -1, 0);
            }
            for (ByteKey k : names) {
                byte[] z = java.util.Arrays.copyOf(k.bytes, k.bytes.length + 1); // libfuse sends the NUL too
                lib.fuse_lowlevel_notify_inval_entry(channel, ROOT_NODE, z, k.bytes.length);
            }
        }
    }

    /** A name as a set member. */
    private record ByteKey(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ByteKey k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }
}
