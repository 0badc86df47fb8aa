package dev.pactfs.fuse;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.mapper.FromNativeConverter;
import jnr.ffi.provider.jffi.ClosureHelper;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.FuseOperations;
import ru.serce.jnrfuse.struct.Timespec;

/*
 * jnr-fuse declares every path (and symlink target, xattr name) as a java.lang.String, which jnr-ffi decodes with
 * the JVM's default charset: a name that is not valid UTF-8 (Latin-1 file names from old archives, anything a
 * tool makes from raw bytes) would come out with U+FFFD in it and could never be found again. ext4 names are
 * bytes. So after jnr-fuse has filled fuse_operations, the entries of every operation that takes a name are
 * replaced with closures taking `const char *` as a Pointer; the bytes go to PactFuse's byte[] forms unchanged.
 * Operations addressed by file handle (read, write, flush, release, fsync, ftruncate, statfs, fsyncdir) keep
 * jnr-fuse's String forms: they use the path only in log lines.
 */

/** Installs byte-exact path callbacks into a {@link PactFuse}'s fuse_operations. */
final class RawPaths {

    // ---------------------------------------------------------------- the C signatures, paths as pointers

    public interface Getattr {
        @Delegate
        int call(Pointer path, Pointer stat);
    }

    public interface Fgetattr {
        @Delegate
        int call(Pointer path, Pointer stat, Pointer fi);
    }

    public interface Readlink {
        @Delegate
        int call(Pointer path, Pointer buf, @size_t long size);
    }

    public interface Mknod {
        @Delegate
        int call(Pointer path, @mode_t long mode, @dev_t long rdev);
    }

    public interface PathMode {
        @Delegate
        int call(Pointer path, @mode_t long mode);
    }

    public interface PathOnly {
        @Delegate
        int call(Pointer path);
    }

    public interface TwoPaths {
        @Delegate
        int call(Pointer a, Pointer b);
    }

    public interface Chown {
        @Delegate
        int call(Pointer path, @uid_t long uid, @gid_t long gid);
    }

    public interface Truncate {
        @Delegate
        int call(Pointer path, @off_t long size);
    }

    public interface Utimens {
        @Delegate
        int call(Pointer path, Pointer timespec);
    }

    public interface Access {
        @Delegate
        int call(Pointer path, int mask);
    }

    public interface Create {
        @Delegate
        int call(Pointer path, @mode_t long mode, Pointer fi);
    }

    public interface PathFi {
        @Delegate
        int call(Pointer path, Pointer fi);
    }

    public interface Readdir {
        @Delegate
        int call(Pointer path, Pointer buf, Pointer filler, @off_t long offset, Pointer fi);
    }

    public interface Setxattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, @size_t long size, int flags);
    }

    public interface Getxattr {
        @Delegate
        int call(Pointer path, Pointer name, Pointer value, @size_t long size);
    }

    public interface Listxattr {
        @Delegate
        int call(Pointer path, Pointer list, @size_t long size);
    }

    public interface Removexattr {
        @Delegate
        int call(Pointer path, Pointer name);
    }

    // ---------------------------------------------------------------- installation

    /** The closures stay reachable as long as the file system object: native code holds their addresses. */
    private final List<Object> keep = new ArrayList<>();
    private final FuseOperations ops;
    private final Method offset;
    private final Pointer mem;

    private RawPaths(FuseOperations ops) throws ReflectiveOperationException {
        this.ops = ops;
        this.offset = Class.forName("jnr.ffi.Struct$Member").getDeclaredMethod("offset");
        this.offset.setAccessible(true);
        this.mem = Struct.getMemory(ops);
    }

    /** Replaces the name-taking entries of {@code ops} with byte-exact closures calling {@code fs}. */
    static List<Object> install(PactFuse fs, FuseOperations ops) throws ReflectiveOperationException {
        RawPaths r = new RawPaths(ops);
        r.set(ops.getattr, Getattr.class, (Getattr) (p, st) -> fs.getattr(bytes(p), FileStat.of(st)));
        r.set(ops.fgetattr, Fgetattr.class,
                (Fgetattr) (p, st, fi) -> fs.fgetattr(bytes(p), FileStat.of(st), FuseFileInfo.of(fi)));
        r.set(ops.readlink, Readlink.class, (Readlink) (p, buf, size) -> fs.readlink(bytes(p), buf, size));
        r.set(ops.mknod, Mknod.class, (Mknod) (p, mode, rdev) -> fs.mknod(bytes(p), mode, rdev));
        r.set(ops.mkdir, PathMode.class, (PathMode) (p, mode) -> fs.mkdir(bytes(p), mode));
        r.set(ops.unlink, PathOnly.class, (PathOnly) p -> fs.unlink(bytes(p)));
        r.set(ops.rmdir, PathOnly.class, (PathOnly) p -> fs.rmdir(bytes(p)));
        r.set(ops.symlink, TwoPaths.class, (TwoPaths) (t, p) -> fs.symlink(bytes(t), bytes(p)));
        r.set(ops.rename, TwoPaths.class, (TwoPaths) (a, b) -> fs.rename(bytes(a), bytes(b)));
        r.set(ops.link, TwoPaths.class, (TwoPaths) (a, b) -> fs.link(bytes(a), bytes(b)));
        r.set(ops.chmod, PathMode.class, (PathMode) (p, mode) -> fs.chmod(bytes(p), mode));
        r.set(ops.chown, Chown.class, (Chown) (p, uid, gid) -> fs.chown(bytes(p), uid, gid));
        r.set(ops.truncate, Truncate.class, (Truncate) (p, size) -> fs.truncate(bytes(p), size));
        r.set(ops.utimens, Utimens.class, (Utimens) (p, ts) -> {
            Timespec a = Timespec.of(ts);
            Timespec m = Timespec.of(ts.slice(Struct.size(a)));
            return fs.utimens(bytes(p), new Timespec[] {a, m});
        });
        r.set(ops.access, Access.class, (Access) (p, mask) -> fs.access(bytes(p), mask));
        r.set(ops.create, Create.class, (Create) (p, mode, fi) -> fs.create(bytes(p), mode, FuseFileInfo.of(fi)));
        r.set(ops.open, PathFi.class, (PathFi) (p, fi) -> fs.open(bytes(p), FuseFileInfo.of(fi)));
        r.set(ops.opendir, PathFi.class, (PathFi) (p, fi) -> fs.opendir(bytes(p), FuseFileInfo.of(fi)));
        FromNativeConverter<?, Pointer> fillers = ClosureHelper.getInstance().getNativeConveter(FuseFillDir.class);
        r.set(ops.readdir, Readdir.class, (Readdir) (p, buf, filler, off, fi) -> {
            @SuppressWarnings("unchecked")
            FuseFillDir f = (FuseFillDir) ((FromNativeConverter<Object, Pointer>) (FromNativeConverter<?, Pointer>) fillers)
                    .fromNative(filler, ClosureHelper.getInstance().getFromNativeContext());
            return fs.readdir(bytes(p), buf, f, off, FuseFileInfo.of(fi));
        });
        r.set(ops.setxattr, Setxattr.class, (Setxattr) (p, n, v, size, flags) ->
                fs.setxattr(bytes(p), bytes(n), v, size, flags));
        r.set(ops.getxattr, Getxattr.class, (Getxattr) (p, n, v, size) -> fs.getxattr(bytes(p), bytes(n), v, size));
        r.set(ops.listxattr, Listxattr.class, (Listxattr) (p, list, size) -> fs.listxattr(bytes(p), list, size));
        r.set(ops.removexattr, Removexattr.class, (Removexattr) (p, n) -> fs.removexattr(bytes(p), bytes(n)));
        return r.keep;
    }

    private <T> void set(Object member, Class<T> type, T callback) throws ReflectiveOperationException {
        long off = (Long) offset.invoke(member);
        Pointer fn = ops.getRuntime().getClosureManager().getClosurePointer(type, callback);
        keep.add(callback);
        keep.add(fn);
        mem.putPointer(off, fn);
    }

    /** The NUL-terminated string at {@code p} as bytes; null for a NULL pointer (nullpath_ok). */
    static byte[] bytes(Pointer p) {
        if (p == null || p.address() == 0) {
            return null;
        }
        int len = p.indexOf(0, (byte) 0);
        byte[] b = new byte[len];
        p.get(0, b, 0, len);
        return b;
    }
}
