package dev.pactfs.fuse;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.size_t;

/*
 * libfuse 2's high-level API puts the same entry and attribute timeouts (the mount options) into every reply; it
 * has no per-node timeout and tells us no node ids. Both are in the replies themselves, so the requests are
 * served through a channel of our own (fuse_chan_new, public libfuse 2.6+ API) whose send hook reads and amends
 * each reply before passing it to libfuse's own channel (fuse_chan_send): the kernel gets exactly what libfuse
 * built, with two changes:
 *
 *  - attr_valid 0 for a non-directory with more than one name (nlink > 1), and for any inode ever seen so in this
 *    mount. libfuse gives every name its own node, so the kernel holds one inode per name: a write, truncate,
 *    chmod or link through one name updates that name's inode only, and the other names' cached size, times or
 *    link count would be stale for up to the timeout. Sticky because a name unlinked while open keeps its node
 *    (fstat through the descriptor) after nlink went back to 1.
 *  - entry_valid and attr_valid 0 in every reply to a request that overlapped a change outside FUSE
 *    (KernelCacheGuard: its epoch moved between the request's arrival and its reply, or a change is running).
 *
 * The nodes the kernel holds (KernelNodes) are counted from the entry replies sent and the FORGETs received.
 * A LINK request names the inode being linked (oldnodeid): its node had nlink 1 until now and may hold it cached
 * for the full timeout, so once the reply is sent that node's attributes are invalidated.
 *
 * One reply per request, sent by the thread that took the request (the high-level API replies before its handler
 * returns): the request being answered is the calling thread's own, checked by its unique id.
 */

/** The reply side of the FUSE loop: per-node attribute timeouts, node bookkeeping (see the comment above). */
final class ReplyTimeouts {

    // FUSE opcodes (linux/fuse.h)
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int SYMLINK = 6;
    static final int MKNOD = 8;
    static final int MKDIR = 9;
    static final int LINK = 13;
    static final int CREATE = 35;
    static final int BATCH_FORGET = 42;

    /** Bytes of struct fuse_in_header; the request's argument follows. */
    static final int IN_HEADER_BYTES = 40;
    /** Offsets in struct fuse_entry_out, and of struct fuse_attr in it. */
    static final int ENTRY_NODEID = 0;
    static final int ENTRY_VALID = 16;
    static final int ENTRY_ATTR_VALID = 24;
    static final int ENTRY_VALID_NSEC = 32;
    static final int ENTRY_ATTR_VALID_NSEC = 36;
    static final int ENTRY_ATTR = 40;
    /** Offsets in struct fuse_attr_out, and of struct fuse_attr in it. */
    static final int ATTR_VALID = 0;
    static final int ATTR_VALID_NSEC = 8;
    static final int ATTR_ATTR = 16;
    /** Offsets in struct fuse_attr, and the bytes read of it. */
    static final int A_INO = 0;
    static final int A_MODE = 60;
    static final int A_NLINK = 64;
    static final int A_BYTES_READ = 68;
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    public interface Send {
        @Delegate
        int call(Pointer ch, Pointer iov, @size_t long count);
    }

    /** What the calling thread is serving. */
    private static final class Request {
        long unique;
        int opcode;
        long epoch;
        long linkedNode;
    }

    private final ThreadLocal<Request> current = ThreadLocal.withInitial(Request::new);
    private final FuseLoop.LibFuseSession lib;
    private final Pointer libChannel;
    private final KernelCacheGuard guard;
    private final KernelNodes nodes;
    /** Inode numbers (st_ino) of non-directories seen with more than one name while mounted. */
    private final Set<Long> multiLinked = ConcurrentHashMap.newKeySet();
    private final Runtime runtime = Runtime.getSystemRuntime();
    private final Pointer channel;
    /** Native code holds the hook's address: keep it reachable. */
    @SuppressWarnings("unused")
    private final Object[] keep;

    ReplyTimeouts(FuseLoop.LibFuseSession lib, Pointer libChannel, KernelCacheGuard guard, KernelNodes nodes) {
        this.lib = lib;
        this.libChannel = libChannel;
        this.guard = guard;
        this.nodes = nodes;
        Send send = this::send;
        Pointer fn = runtime.getClosureManager().getClosurePointer(Send.class, send);
        int ptr = runtime.addressSize();
        Pointer ops = Memory.allocateDirect(runtime, 3 * ptr, true); // struct fuse_chan_ops {receive, send, destroy}
        ops.putPointer(ptr, fn);
        this.channel = lib.fuse_chan_new(ops, lib.fuse_chan_fd(libChannel), lib.fuse_chan_bufsize(libChannel), null);
        if (channel == null) {
            throw new IllegalStateException("libfuse could not make a channel");
        }
        this.keep = new Object[] {send, fn, ops};
    }

    /** The channel to process requests with: replies go through {@link #send}. */
    Pointer channel() {
        return channel;
    }

    /** A request arrived in {@code buf}: note it, and count the lookups a FORGET hands back. */
    void received(Pointer buf, int len) {
        Request r = current.get();
        r.opcode = buf.getInt(4);
        r.unique = buf.getLong(8);
        r.epoch = guard.epoch();
        r.linkedNode = 0;
        long nodeid = buf.getLong(16);
        if (r.opcode == FORGET && len >= IN_HEADER_BYTES + 8) {
            nodes.forgot(nodeid, buf.getLong(IN_HEADER_BYTES));
        } else if (r.opcode == BATCH_FORGET && len >= IN_HEADER_BYTES + 8) {
            long count = buf.getInt(IN_HEADER_BYTES) & 0xffffffffL;
            for (long i = 0; i < count; i++) {
                long at = IN_HEADER_BYTES + 8 + 16 * i;
                if (at + 16 > len) {
                    break;
                }
                nodes.forgot(buf.getLong(at), buf.getLong(at + 8));
            }
        } else if (r.opcode == LINK && len >= IN_HEADER_BYTES + 8) {
            r.linkedNode = buf.getLong(IN_HEADER_BYTES); // fuse_link_in.oldnodeid
        }
    }

    /** The request has been answered. */
    void done() {
        Request r = current.get();
        if (r.opcode == LINK && r.linkedNode != 0) {
            guard.invalidateAttributes(r.linkedNode); // its nlink was 1, maybe cached for the full timeout
        }
        r.opcode = 0;
        r.unique = 0;
    }

    private int send(Pointer ch, Pointer iov, long count) {
        try {
            amend(iov, count);
        } catch (RuntimeException e) {
            // never lose a reply: send it as libfuse built it (the mount would hang on a request never answered)
            org.slf4j.LoggerFactory.getLogger(ReplyTimeouts.class).error("reading a FUSE reply failed", e);
        }
        return lib.fuse_chan_send(libChannel, iov, count);
    }

    private void amend(Pointer iov, long count) {
        Request r = current.get();
        if (count < 2 || r.opcode == 0) {
            return; // an error reply (header only), or not a request of this thread
        }
        Pointer header = iov.getPointer(0);
        if (header.getInt(4) != 0 || header.getLong(8) != r.unique) {
            return;
        }
        Pointer body = iov.getPointer(16);
        long bodyLen = iov.getLong(24);
        boolean mayCache = guard.mayCache(r.epoch);
        switch (r.opcode) {
            case LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE -> {
                if (bodyLen < ENTRY_ATTR + A_BYTES_READ) {
                    return;
                }
                long nodeid = body.getLong(ENTRY_NODEID);
                boolean dir = amendAttr(body, ENTRY_ATTR, ENTRY_ATTR_VALID, ENTRY_ATTR_VALID_NSEC, mayCache);
                if (!mayCache) {
                    body.putLong(ENTRY_VALID, 0);
                    body.putInt(ENTRY_VALID_NSEC, 0);
                }
                if (nodeid != 0) {
                    // counted before the kernel has it: a FORGET cannot come first
                    nodes.lookedUp(nodeid, dir);
                }
            }
            case GETATTR, SETATTR -> {
                if (bodyLen >= ATTR_ATTR + A_BYTES_READ) {
                    amendAttr(body, ATTR_ATTR, ATTR_VALID, ATTR_VALID_NSEC, mayCache);
                }
            }
            default -> {
            }
        }
    }

    /** Zeroes the attribute timeout where it must be; returns whether the attributes are a directory's. */
    private boolean amendAttr(Pointer body, int attr, int valid, int validNsec, boolean mayCache) {
        int mode = body.getInt(attr + A_MODE);
        boolean dir = (mode & S_IFMT) == S_IFDIR;
        boolean zero = !mayCache;
        if (!dir) {
            long ino = body.getLong(attr + A_INO);
            if (Integer.toUnsignedLong(body.getInt(attr + A_NLINK)) > 1) {
                multiLinked.add(ino);
                zero = true;
            } else if (!multiLinked.isEmpty() && multiLinked.contains(ino)) {
                zero = true;
            }
        }
        if (zero) {
            body.putLong(valid, 0);
            body.putInt(validNsec, 0);
        }
        return dir;
    }
}
