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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
 * fgetattr/ftruncate never resolve a path: they keep working on a file unlinked while open, which hard_remove
 * (no .fuse_hidden renames) and the nullpath_ok flag (libfuse passes a NULL path for such a file) rely on.
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
    private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[128 * 1024]);

    public PactFuse(PactFs fs) {
        this.fs = fs;
        setOperationFlags();
    }

    /** Serves {@code /.snapshots} from {@code view} (read-only; mkdir there creates a snapshot). */
    public void setSnapshots(SnapshotsView view) {
        this.snapshots = view;
    }

    /** The components of {@code path} below /.snapshots, or null when it is not there (or there is no view). */
    private List<byte[]> snap(String path) {
        if (snapshots == null || path == null || !path.startsWith("/.snapshots")) {
            return null;
        }
        String rest = path.substring("/.snapshots".length());
        return rest.isEmpty() || rest.startsWith("/") ? components(rest) : null;
    }

    private static boolean viewHandle(FuseFileInfo fi) {
        return fi != null && SnapshotsView.isViewHandle(fi.fh.get());
    }

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

    private static int call(String what, String path, Op op) {
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

    static List<byte[]> components(String path) {
        List<byte[]> out = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                out.add(bytes(part));
            }
        }
        return out;
    }

    private long ino(String path) throws IOException {
        if (path == null) {
            throw new FsException(Errno.ENOENT, "no path");
        }
        return fs.resolve(components(path));
    }

    /** The parent directory's inode and the last component's name. */
    private record Split(long parent, byte[] name) {
    }

    private Split split(String path) throws IOException {
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

    private byte[] buffer(int size) {
        byte[] b = buffers.get();
        if (b.length < size) {
            b = new byte[size];
            buffers.set(b);
        }
        return b;
    }

    // ------------------------------------------------------------------ attributes and namespace

    @Override
    public int getattr(String path, FileStat stat) {
        return call("getattr", path, () -> {
            if (snap(path) != null) {
                fill(stat, snapshots.getattr(snap(path)));
                return 0;
            }
            fill(stat, fs.getattr(ino(path)));
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
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
        return call("unlink", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(path);
            fs.unlink(s.parent(), s.name());
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return call("rmdir", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(path);
            fs.rmdir(s.parent(), s.name());
            return 0;
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return call("symlink", linkPath, () -> {
            if (snap(linkPath) != null) {
                throw SnapshotsView.readOnly();
            }
            Split s = split(linkPath);
            fs.symlink(s.parent(), s.name(), bytes(target), caller());
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return call("rename", from, () -> {
            if (snap(from) != null || snap(to) != null) {
                throw SnapshotsView.readOnly();
            }
            Split a = split(from);
            Split b = split(to);
            fs.rename(a.parent(), a.name(), b.parent(), b.name());
            return 0;
        });
    }

    @Override
    public int link(String existing, String newPath) {
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
        return call("readdir", path, () -> {
            // offset 0 to the filler: libfuse collects the whole listing once per opendir, a consistent view
            if (snap(path) != null) {
                for (DirEntry e : snapshots.readdir(snap(path))) {
                    filter.apply(buf, new String(e.name(), StandardCharsets.UTF_8), null, 0);
                }
                return 0;
            }
            boolean root = snapshots != null && "/".equals(path);
            for (DirEntry e : fs.readdir(ino(path))) {
                if (root && java.util.Arrays.equals(e.name(), SnapshotsView.DIR_NAME)) {
                    continue; // hidden by the virtual directory
                }
                filter.apply(buf, new String(e.name(), StandardCharsets.UTF_8), null, 0);
            }
            if (root) {
                filter.apply(buf, ".snapshots", null, 0);
            }
            return 0;
        });
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
            byte[] b = buffer(len);
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
        });
    }

    @Override
    public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return call("write", path, () -> {
            if (viewHandle(fi)) {
                throw SnapshotsView.readOnly();
            }
            int len = (int) size;
            byte[] b = new byte[len]; // the chunker may keep a reference: a fresh array per write
            buf.get(0, b, 0, len);
            return fs.write(fi.fh.get(), offset, b, 0, len);
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
        return call("setxattr", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            byte[] v = new byte[(int) size];
            value.get(0, v, 0, v.length);
            fs.setxattr(ino(path), bytes(name), v, flags);
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, @size_t long size) {
        return call("getxattr", path, () -> {
            byte[] v = snap(path) != null ? snapshots.getxattr(snap(path), bytes(name)) : fs.getxattr(ino(path), bytes(name));
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
        return call("removexattr", path, () -> {
            if (snap(path) != null) {
                throw SnapshotsView.readOnly();
            }
            fs.removexattr(ino(path), bytes(name));
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
