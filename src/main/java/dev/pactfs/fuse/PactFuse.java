package dev.pactfs.fuse;

import dev.pactfs.fs.Attr;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.DirEntry;
import dev.pactfs.fs.Errno;
import dev.pactfs.fs.FsException;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.StatFs;
import dev.pactfs.snapshot.SnapshotsView;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/*
 * The libfuse 2 high-level API hands us paths; each call resolves its path to an inode in one catalog
 * transaction and calls PactFs. Open files carry PactFs's handle in fi.fh, so read/write/flush/release/fsync and
 * fgetattr/ftruncate never resolve a path: they keep working on a file unlinked while open. Without hard_remove
 * libfuse renames such a file to .fuse_hidden*: that rename becomes a real unlink here (see "hidden names"), so
 * no such name ever shows. Paths reach the byte[] forms of the operations unchanged (RawPaths).
 */

/**
 * The jnr-fuse adapter: every FUSE operation mapped to a {@link PactFs} call, every {@link FsException} to
 * {@code -errno}, a full disk to {@code -ENOSPC}, anything else to {@code -EIO} (logged). Thread-safe: it holds
 * no state besides PactFs's.
 */
public final class PactFuse extends FuseStubFS {

    private static final Logger log = LoggerFactory.getLogger(PactFuse.class);

    /** utimensat(2) special tv_nsec values. */
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    private final PactFs fs;
    /** The read-only /.snapshots directory, or null when the mount has none. */
    private volatile SnapshotsView snapshots;
    private final IoBuffers buffers = new IoBuffers(FuseMount.MAX_WRITE_BYTES);
    /** Keeps the kernel's entry and attribute caches true across changes made without FUSE. */
    private final KernelCacheGuard cacheGuard = new KernelCacheGuard(this::rootNames);

    /**
     * Mounts at {@code mountPoint} with libfuse {@code options} and serves requests on Java threads
     * ({@link FuseLoop}) until unmounted; instead of jnr-fuse's {@code mount}, whose loop runs on native threads.
     */
    void serve(Path mountPoint, String[] options) {
        if (!mounted.compareAndSet(false, true)) {
            throw new IllegalStateException("already mounted");
        }
        this.mountPoint = mountPoint;
        String abs = mountPoint.toAbsolutePath().toString();
        String[] args = new String[3 + options.length];
        args[0] = "pactfs";
        args[1] = "-f"; // foreground: the daemon detaches by itself (MountCommand), libfuse must not fork
        args[2] = abs;
        System.arraycopy(options, 0, args, 3, options.length);
        try {
            FuseLoop.mountAndServe(fuseOperations, args, mountPoint, cacheGuard);
        } finally {
            mounted.set(false);
        }
    }

    public PactFuse(PactFs fs) {
        this.fs = fs;
        setOperationFlags();
        List<Object> raw;
        try {
            raw = RawPaths.install(this, fuseOperations);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("names that are not UTF-8 will not round-trip: could not install byte paths ({})", e.toString());
            raw = List.of();
        }
        this.rawCallbacks = raw;
    }

    /**
     * Runs {@code change}, a change the daemon makes to the live tree without FUSE (a control-socket command, an
     * automatic snapshot), so that the mount shows it at once despite the kernel's caches ({@link KernelCacheGuard}).
     * Never from a FUSE request.
     */
    public void outsideFuse(Runnable change) {
        cacheGuard.outsideFuse(change);
    }

    /** The names in the root directory, /.snapshots left out (the guard always adds it). */
    private List<byte[]> rootNames() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (DirEntry e : fs.readdir(PactFs.ROOT)) {
            byte[] n = e.name();
            if (!(n.length == 1 && n[0] == '.') && !(n.length == 2 && n[0] == '.' && n[1] == '.')) {
                out.add(n);
            }
        }
        return out;
    }

    /** Serves {@code /.snapshots} from {@code view} (read-only; mkdir there creates a snapshot). */
    public void setSnapshots(SnapshotsView view) {
        this.snapshots = view;
    }

    private static final byte[] SNAPSHOTS_DIR = "/.snapshots".getBytes(StandardCharsets.US_ASCII);

    /** The components of {@code path} below /.snapshots, or null when it is not there (or there is no view). */
    private List<byte[]> snap(byte[] path) {
        int n = SNAPSHOTS_DIR.length;
        if (snapshots == null || path == null || path.length < n
                || !Arrays.equals(path, 0, n, SNAPSHOTS_DIR, 0, n) || (path.length > n && path[n] != '/')) {
            return null;
        }
        return components(Arrays.copyOfRange(path, n, path.length));
    }

    private static boolean viewHandle(FuseFileInfo fi) {
        return fi != null && SnapshotsView.isViewHandle(fi.fh.get());
    }
    /** RawPaths's closures, kept reachable while libfuse may call them. */
    @SuppressWarnings("unused")
    private final List<Object> rawCallbacks;

    /** Sets fuse_operations.flag_nullpath_ok and flag_utime_omit_ok (bits 0 and 2 of one unsigned int). */
    private void setOperationFlags() {
        try {
            Method offset = Class.forName("jnr.ffi.Struct$Member").getDeclaredMethod("offset");
            offset.setAccessible(true);
            long off = (Long) offset.invoke(fuseOperations.flag_nullpath_ok);
            Pointer mem = Struct.getMemory(fuseOperations);
            mem.putInt(off, mem.getInt(off) | 0b101);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("could not set nullpath_ok: files unlinked while open may fail with ENOENT ({})", e.toString());
        }
    }

    // ------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface Op {
        int run() throws IOException;
    }

    /** Metrics and alerts of the daemon, or null; set before mounting. */
    private volatile FuseOpObserver observer;

    public void setObserver(FuseOpObserver o) {
        this.observer = o;
    }

    private int call(String what, byte[] path, Op op) {
        return call(what, (Object) path, op);
    }

    private int call(String what, String path, Op op) {
        return call(what, (Object) path, op);
    }

    /** Count and time of every operation served (always kept: see FuseOpStats). */
    private final FuseOpStats stats = new FuseOpStats();

    /** Count, total and longest time of each operation served since this adapter was made. */
    public FuseOpStats stats() {
        return stats;
    }

    private int call(String what, Object pathObj, Op op) {
        long t0 = System.nanoTime();
        int r = serve(what, pathObj, op);
        long nanos = System.nanoTime() - t0;
        stats.record(what, nanos, r);
        FuseOpObserver o = observer;
        if (o != null) {
            o.done(what, nanos, r);
        }
        return r;
    }

    private static int serve(String what, Object pathObj, Op op) {
        Object path = pathObj instanceof byte[] b ? show(b) : pathObj;
        try {
            return op.run();
        } catch (FsException e) {
            return -e.errno();
        } catch (IOException e) {
            if (isNoSpace(e)) {
                log.warn("{} {}: {}", what, path, e.getMessage());
                return -Errno.ENOSPC;
            }
            log.error("{} {} failed", what, path, e);
            return -Errno.EIO;
        } catch (RuntimeException | Error e) {
            log.error("{} {} failed (bug)", what, path, e);
            return -Errno.EIO;
        }
    }

    static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof dev.pactfs.store.NoSpaceException
                    || String.valueOf(t.getMessage()).contains("No space left on device")
                    || String.valueOf(t.getMessage()).contains("no space left")) {
                return true;
            }
        }
        return false;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A path as jnr-fuse hands it (decoded as UTF-8 by the launcher's file.encoding) back to bytes. */
    static byte[] pathBytes(String s) {
        return s == null ? null : bytes(s);
    }

    static String show(byte[] path) {
        return path == null ? null : new String(path, StandardCharsets.UTF_8);
    }

    static List<byte[]> components(String path) {
        return components(bytes(path));
    }

    static List<byte[]> components(byte[] path) {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= path.length; i++) {
            if (i == path.length || path[i] == '/') {
                if (i > start) {
                    out.add(Arrays.copyOfRange(path, start, i));
                }
                start = i + 1;
            }
        }
        return out;
    }

    private long ino(byte[] path) throws IOException {
        if (path == null) {
            throw new FsException(Errno.ENOENT, "no path");
        }
        List<byte[]> parts = components(path);
        if (!parts.isEmpty() && isHiddenName(parts.get(parts.size() - 1)) && !hidden.isEmpty()) {
            byte[] name = parts.remove(parts.size() - 1);
            long parent = fs.resolve(parts);
            Long h = hidden.get(hiddenKey(parent, name));
            if (h != null) {
                return h;
            }
            return fs.lookup(parent, name);
        }
        return fs.resolve(parts);
    }

    /** Whether {@code path} may name a hidden file that only {@link #ino} knows (see ".fuse_hidden names"). */
    private boolean hiddenMayMatter(byte[] path) {
        return path == null || !hidden.isEmpty();
    }

    /** The parent directory's inode and the last component's name. */
    private record Split(long parent, byte[] name) {
    }

    private Split split(byte[] path) throws IOException {
        if (path == null) {
            throw new FsException(Errno.ENOENT, "no path");
        }
        List<byte[]> parts = components(path);
        if (parts.isEmpty()) {
            throw new FsException(Errno.EEXIST, "the root");
        }
        byte[] name = parts.remove(parts.size() - 1);
        if (name.length > PactFs.NAME_MAX) {
            throw new FsException(Errno.ENAMETOOLONG, "name too long");
        }
        return new Split(fs.resolve(parts), name);
    }

    // ------------------------------------------------------------------ .fuse_hidden names

    /*
     * libfuse 2 (high-level API, without hard_remove) does not unlink a file that is open: it renames it to
     * ".fuse_hidden<node><ctr>" in the same directory, keeps using that path for the open file (getattr for
     * fstat, setattr, ...), and unlinks that path after the last release. ext4 shows no such name, and rmdir of
     * the directory works. So the rename to a hidden name is turned into a real unlink here (PactFs keeps the
     * unlinked inode alive as an orphan while handles have it open), and the hidden name resolves, for libfuse
     * only, to that inode through this map until libfuse's own unlink of it. Keyed by parent inode and name, so
     * a rename of the parent directory meanwhile does not matter. A user's own rename of an open file to a name
     * of exactly libfuse's hidden form would be taken for libfuse's and unlink the file: the only difference
     * from ext4, and one no tool makes.
     */
    private final Map<String, Long> hidden = new ConcurrentHashMap<>();
    private static final byte[] HIDDEN_PREFIX = ".fuse_hidden".getBytes(StandardCharsets.US_ASCII);

    /** ".fuse_hidden" followed by 16 hex digits, as libfuse 2's hidden_name() makes them. */
    static boolean isHiddenName(byte[] name) {
        if (name.length != HIDDEN_PREFIX.length + 16) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            byte b = name[i];
            if (i < HIDDEN_PREFIX.length) {
                if (b != HIDDEN_PREFIX[i]) {
                    return false;
                }
            } else if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static String hiddenKey(long parent, byte[] name) {
        return parent + "/" + new String(name, StandardCharsets.ISO_8859_1);
    }

    private Caller caller() {
        FuseContext ctx = getContext();
        return new Caller(ctx.uid.intValue(), ctx.gid.intValue());
    }

    private static void fill(FileStat st, Attr a) {
        st.st_ino.set(a.ino());
        st.st_mode.set(a.mode());
        st.st_nlink.set(a.nlink());
        st.st_uid.set(a.uid());
        st.st_gid.set(a.gid());
        st.st_rdev.set(a.rdev());
        st.st_size.set(a.size());
        st.st_blksize.set(4096);
        st.st_blocks.set(a.blocks());
        setTime(st.st_atim, a.atimeNs());
        setTime(st.st_mtim, a.mtimeNs());
        setTime(st.st_ctim, a.ctimeNs());
    }

    private static void setTime(Timespec t, long ns) {
        t.tv_sec.set(Math.floorDiv(ns, 1_000_000_000L));
        t.tv_nsec.set(Math.floorMod(ns, 1_000_000_000L));
    }

    private static long fromTimespec(Timespec t) {
        long nsec = t.tv_nsec.longValue();
        if (nsec == UTIME_NOW) {
            return PactFs.TIME_NOW;
        }
        if (nsec == UTIME_OMIT) {
            return PactFs.TIME_OMIT;
        }
        return t.tv_sec.get() * 1_000_000_000L + nsec;
    }

    // ------------------------------------------------------------------ attributes and namespace
    // Each path-taking operation has a String form (FuseStubFS's, UTF-8) and a byte[] form that RawPaths calls
    // with the path's bytes as the kernel gave them, so names that are not UTF-8 round-trip.

    @Override
    public int getattr(String path, FileStat stat) {
        return getattr(pathBytes(path), stat);
    }

    int getattr(byte[] path, FileStat stat) {
        return call("getattr", path, () -> {
            if (snap(path) != null) {
                fill(stat, snapshots.getattr(snap(path)));
                return 0;
            }
            fill(stat, hiddenMayMatter(path) ? fs.getattr(ino(path)) : fs.getattr(components(path)));
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return fgetattr(pathBytes(path), stat, fi);
    }

    int fgetattr(byte[] path, FileStat stat, FuseFileInfo fi) {
        return call("fgetattr", path, () -> {
            if (snap(path) != null) {
                fill(stat, snapshots.getattr(snap(path)));
                return 0;
            }
            long fh = fi.fh.get();
            fill(stat, fs.getattr(fh != 0 ? fs.inodeOf(fh) : ino(path)));
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        return readlink(pathBytes(path), buf, size);
    }

    int readlink(byte[] path, Pointer buf, long size) {
        return call("readlink", path, () -> {
            byte[] target = snap(path) != null ? snapshots.readlink(snap(path)) : fs.readlink(ino(path));
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return mknod(pathBytes(path), mode, rdev);
    }

    int mknod(byte[] path, long mode, long rdev) {
        return call("mknod", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(path);
            fs.mknod(s.parent(), s.name(), (int) mode, rdev, caller());
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return mkdir(pathBytes(path), mode);
    }

    int mkdir(byte[] path, long mode) {
        return call("mkdir", path, () -> {
            if (snap(path) != null) {
                snapshots.mkdir(snap(path));
                return 0;
            }
            Split s = split(path);
            fs.mkdir(s.parent(), s.name(), (int) mode, caller());
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return unlink(pathBytes(path));
    }

    int unlink(byte[] path) {
        return call("unlink", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(path);
            if (isHiddenName(s.name()) && hidden.remove(hiddenKey(s.parent(), s.name())) != null) {
                return 0; // libfuse's unlink of a name it hid: the inode was unlinked at the rename
            }
            fs.unlink(s.parent(), s.name());
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return rmdir(pathBytes(path));
    }

    int rmdir(byte[] path) {
        return call("rmdir", path, () -> {
            if (snap(path) != null) {
                snapshots.rmdir(snap(path));
                return 0;
            }
            Split s = split(path);
            fs.rmdir(s.parent(), s.name());
            return 0;
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return symlink(pathBytes(target), pathBytes(linkPath));
    }

    int symlink(byte[] target, byte[] linkPath) {
        return call("symlink", linkPath, () -> {
            if (snap(linkPath) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(linkPath);
            fs.symlink(s.parent(), s.name(), target, caller());
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return rename(pathBytes(from), pathBytes(to));
    }

    int rename(byte[] from, byte[] to) {
        return call("rename", from, () -> {
            if (snap(from) != null || snap(to) != null) {
                throw SnapshotsView.readOnly();
            }
            Split a = split(from);
            Split b = split(to);
            if (isHiddenName(b.name()) && !isHiddenName(a.name()) && a.parent() == b.parent()) {
                // libfuse hides a file that is open instead of unlinking it: unlink it for real (see above)
                long ino = fs.lookup(a.parent(), a.name());
                String key = hiddenKey(b.parent(), b.name());
                hidden.put(key, ino);
                try {
                    fs.unlink(a.parent(), a.name());
                } catch (IOException | RuntimeException e) {
                    hidden.remove(key);
                    throw e;
                }
                return 0;
            }
            fs.rename(a.parent(), a.name(), b.parent(), b.name());
            return 0;
        });
    }

    @Override
    public int link(String existing, String newPath) {
        return link(pathBytes(existing), pathBytes(newPath));
    }

    int link(byte[] existing, byte[] newPath) {
        return call("link", newPath, () -> {
            if (snap(existing) != null || snap(newPath) != null) {
                throw SnapshotsView.readOnly();
            }
            long ino = ino(existing);
            Split s = split(newPath);
            fs.link(ino, s.parent(), s.name());
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return chmod(pathBytes(path), mode);
    }

    int chmod(byte[] path, long mode) {
        return call("chmod", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.chmod(ino(path), (int) mode);
            return 0;
        });
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return chown(pathBytes(path), uid, gid);
    }

    int chown(byte[] path, long uid, long gid) {
        return call("chown", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.chown(ino(path), (int) uid, (int) gid);
            return 0;
        });
    }

    @Override
    public int truncate(String path, @off_t long size) {
        return truncate(pathBytes(path), size);
    }

    int truncate(byte[] path, long size) {
        return call("truncate", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.truncate(ino(path), size);
            return 0;
        });
    }

    @Override
    public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
        return call("ftruncate", path, () -> {
            if (viewHandle(fi)) {
                throw SnapshotsView.readOnly();
            }
            fs.ftruncate(fi.fh.get(), size);
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return utimens(pathBytes(path), timespec);
    }

    int utimens(byte[] path, Timespec[] timespec) {
        return call("utimens", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.utimens(ino(path), fromTimespec(timespec[0]), fromTimespec(timespec[1]));
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return access(pathBytes(path), mask);
    }

    int access(byte[] path, int mask) {
        return call("access", path, () -> {
            if (snap(path) != null) {
                snapshots.getattr(snap(path));
                return (mask & 2) != 0 ? -Errno.EROFS : 0;
            }
            fs.access(ino(path), mask);
            return 0;
        });
    }

    @Override
    public int statfs(String path, Statvfs st) {
        return call("statfs", path, () -> {
            StatFs s = fs.statfs();
            st.f_bsize.set(s.blockSize());
            st.f_frsize.set(s.blockSize());
            st.f_blocks.set(s.blocks());
            st.f_bfree.set(s.blocksFree());
            st.f_bavail.set(s.blocksAvailable());
            st.f_files.set(s.files());
            st.f_ffree.set(s.filesFree());
            st.f_favail.set(s.filesFree());
            st.f_namemax.set(s.nameMax());
            return 0;
        });
    }

    // ------------------------------------------------------------------ directories

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return opendir(pathBytes(path), fi);
    }

    int opendir(byte[] path, FuseFileInfo fi) {
        return call("opendir", path, () -> {
            if (snap(path) != null) {
                return snapshots.getattr(snap(path)).isDir() ? 0 : -Errno.ENOTDIR;
            }
            if (!fs.getattr(ino(path)).isDir()) {
                return -Errno.ENOTDIR;
            }
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        return readdir(pathBytes(path), buf, filter, offset, fi);
    }

    int readdir(byte[] path, Pointer buf, FuseFillDir filter, long offset, FuseFileInfo fi) {
        return call("readdir", path, () -> {
            // offset 0 to the filler: libfuse collects the whole listing once per opendir, a consistent view
            if (snap(path) != null) {
                for (DirEntry e : snapshots.readdir(snap(path))) {
                    fillRaw(filter, buf, e.name());
                }
                return 0;
            }
            // /.snapshots is reachable by name but not listed (as ZFS's .zfs with snapdir=hidden): tar, rsync and
            // find over the mount must see the live tree only, not every snapshot of it.
            boolean root = snapshots != null && path.length == 1 && path[0] == '/';
            for (DirEntry e : fs.readdir(ino(path))) {
                if (root && java.util.Arrays.equals(e.name(), SnapshotsView.DIR_NAME)) {
                    continue; // shadowed by the virtual directory
                }
                fillRaw(filter, buf, e.name());
            }
            return 0;
        });
    }

    /** Hands a name to the filler as its raw bytes (NUL-terminated), so names need not be UTF-8. */
    private static void fillRaw(FuseFillDir filter, Pointer buf, byte[] name) {
        ByteBuffer z = ByteBuffer.allocate(name.length + 1);
        z.put(name).put((byte) 0).flip();
        filter.apply(buf, z, null, 0);
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return call("fsyncdir", path, () -> {
            fs.syncAll();
            return 0;
        });
    }

    // ------------------------------------------------------------------ files

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return create(pathBytes(path), mode, fi);
    }

    int create(byte[] path, long mode, FuseFileInfo fi) {
        return call("create", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(path);
            PactFs.Created c = fs.create(s.parent(), s.name(), (int) mode, fi.flags.get(), caller());
            fi.fh.set(c.handle());
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return open(pathBytes(path), fi);
    }

    int open(byte[] path, FuseFileInfo fi) {
        return call("open", path, () -> {
            if (snap(path) != null) {
                fi.fh.set(snapshots.open(snap(path), fi.flags.get()));
                return 0;
            }
            fi.fh.set(fs.open(ino(path), fi.flags.get()));
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call("read", path, () -> {
            int len = (int) size;
            byte[] b = buffers.take(len);
            try {
                int total = 0;
                while (total < len) {
                    int n = viewHandle(fi) ? snapshots.read(fi.fh.get(), offset + total, b, total, len - total)
                            : fs.read(fi.fh.get(), offset + total, b, total, len - total);
                    if (n <= 0) {
                        break;
                    }
                    total += n;
                }
                buf.put(0, b, 0, total);
                return total;
            } finally {
                buffers.release(b);
            }
        });
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call("write", path, () -> {
            if (viewHandle(fi)) {
                throw SnapshotsView.readOnly();
            }
            int len = (int) size;
            // A pooled buffer, as for reads: fs.write keeps no reference to it, and a fresh 128 KiB array per
            // write cost its zeroing (~5% of the FUSE threads' time writing) and the garbage.
            byte[] b = buffers.take(len);
            try {
                buf.get(0, b, 0, len);
                return fs.write(fi.fh.get(), offset, b, 0, len);
            } finally {
                buffers.release(b);
            }
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return call("flush", path, () -> {
            if (viewHandle(fi)) {
                return 0;
            }
            fs.flush(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsync(String path, int isdatasync, FuseFileInfo fi) {
        return call("fsync", path, () -> {
            if (viewHandle(fi)) {
                return 0;
            }
            fs.fsync(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return call("release", path, () -> {
            if (viewHandle(fi)) {
                snapshots.release(fi.fh.get());
                return 0;
            }
            fs.release(fi.fh.get());
            return 0;
        });
    }

    // ------------------------------------------------------------------ xattrs

    @Override
    public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
        return setxattr(pathBytes(path), bytes(name), value, size, flags);
    }

    int setxattr(byte[] path, byte[] name, Pointer value, long size, int flags) {
        return call("setxattr", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            fs.setxattr(ino(path), name, v, flags);
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        return getxattr(pathBytes(path), bytes(name), value, size);
    }

    int getxattr(byte[] path, byte[] name, Pointer value, long size) {
        return call("getxattr", path, () -> {
            if (snap(path) == null && !fs.mayHaveXattr(name)) {
                // The kernel's probe before each write; it has resolved the path itself, so the file exists.
                return -Errno.ENODATA;
            }
            byte[] v = snap(path) != null ? snapshots.getxattr(snap(path), name) : fs.getxattr(ino(path), name);
            if (size == 0) {
                return v.length;
            }
            if (size < v.length) {
                return -Errno.ERANGE;
            }
            value.put(0, v, 0, v.length);
            return v.length;
        });
    }

    @Override
    public int listxattr(String path, Pointer list, @size_t long size) {
        return listxattr(pathBytes(path), list, size);
    }

    int listxattr(byte[] path, Pointer list, long size) {
        return call("listxattr", path, () -> {
            List<byte[]> names = snap(path) != null ? snapshots.listxattr(snap(path)) : fs.listxattr(ino(path));
            int total = 0;
            for (byte[] n : names) {
                total += n.length + 1;
            }
            if (size == 0) {
                return total;
            }
            if (size < total) {
                return -Errno.ERANGE;
            }
            int pos = 0;
            for (byte[] n : names) {
                list.put(pos, n, 0, n.length);
                list.putByte(pos + n.length, (byte) 0);
                pos += n.length + 1;
            }
            return total;
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return removexattr(pathBytes(path), bytes(name));
    }

    int removexattr(byte[] path, byte[] name) {
        return call("removexattr", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.removexattr(ino(path), name);
            return 0;
        });
    }

    /** Runs {@code fusermount -u}, then {@code -u -z} when busy; never throws. */
    static void unmountQuietly(java.nio.file.Path mountPoint) {
        for (String[] cmd : new String[][] {{"fusermount", "-u", mountPoint.toString()},
                {"fusermount", "-u", "-z", mountPoint.toString()}}) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor() == 0) {
                    return;
                }
            } catch (IOException e) {
                log.warn("fusermount failed: {}", e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
