package dev.pactfs.posix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/*
 * Why this package exists: the JDK's file API takes names as Strings decoded through a charset (a name that is
 * not valid in it cannot be created, or two such names collapse into one), resolves every path from the root
 * again on each call (a directory swapped for a symlink between two calls redirects the second), and has no
 * openat, mknodat or symlinkat. Restore as root needs all three fixed, so the calls are made here through
 * jnr-ffi on raw bytes, each relative to a directory fd the caller holds.
 *
 * Rules every method keeps: a `name` argument is one path component (Names.isComponent; anything else is
 * refused before the kernel sees it, so a name can never leave its directory); the final component is never
 * followed when it is a symlink (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, or the call's own no-follow semantics);
 * every fd is O_CLOEXEC. Failures are PosixException with the errno. Linux only (x86_64, aarch64 flag values).
 */

/** Directory-relative, no-follow system calls on raw byte names. Thread-safe (stateless). */
public final class Posix {

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_TRUNC = 01000;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    /** aarch64 (the generic Linux ABI) numbers these two differently from x86_64. */
    public static final int O_DIRECTORY;
    public static final int O_NOFOLLOW;

    public static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_SYMLINK_FOLLOW = 0x400;
    static final int AT_EMPTY_PATH = 0x1000;

    public static final int S_IFMT = 0170000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    /** statx's STATX_BASIC_STATS mask and the size of struct statx (bytes). */
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE = 256;

    static {
        String arch = System.getProperty("os.arch");
        boolean generic = arch.equals("aarch64") || arch.equals("arm64") || arch.startsWith("riscv");
        O_DIRECTORY = generic ? 040000 : 0200000;
        O_NOFOLLOW = generic ? 0100000 : 0400000;
    }

    private static final class Lib {
        static final LibC C = LibraryLoader.create(LibC.class).failImmediately().load("c");
        static final Runtime RT = Runtime.getRuntime(C);
    }

    private Posix() {
    }

    /** One inode's status, as statx reports it. {@code mode} includes the type bits. */
    public record Stat(int mode, int uid, int gid, int nlink, long ino, long dev, long size, long mtimeNs) {
        public int type() {
            return mode & S_IFMT;
        }

        public boolean isDir() {
            return type() == S_IFDIR;
        }

        public boolean isRegular() {
            return type() == S_IFREG;
        }

        public boolean isSymlink() {
            return type() == S_IFLNK;
        }
    }

    /**
     * Opens {@code path} (a whole path the user gave, relative to the working directory or absolute; symlinks in
     * it are followed, as the user's shell would) as a directory.
     */
    public static Fd openDirectoryPath(byte[] path) throws PosixException {
        int fd = C().openat(AT_FDCWD, cstr(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        return new Fd(check(fd, "open", path));
    }

    /** Opens {@code name} in {@code dir} with {@code flags} | O_NOFOLLOW | O_CLOEXEC; {@code mode} if it creates. */
    public static Fd openAt(Fd dir, byte[] name, int flags, int mode) throws PosixException {
        int fd = C().openat(dir.fd(), component(name), flags | O_NOFOLLOW | O_CLOEXEC, mode);
        return new Fd(check(fd, "openat", name));
    }

    /** Opens the directory {@code name} in {@code dir}; a symlink there fails (ELOOP or ENOTDIR), never followed. */
    public static Fd openDirectoryAt(Fd dir, byte[] name) throws PosixException {
        return openAt(dir, name, O_RDONLY | O_DIRECTORY, 0);
    }

    public static void mkdirAt(Fd dir, byte[] name, int mode) throws PosixException {
        check(C().mkdirat(dir.fd(), component(name), mode), "mkdirat", name);
    }

    /** Creates a symlink {@code name} in {@code dir} pointing to {@code target} (any bytes but NUL, never resolved). */
    public static void symlinkAt(byte[] target, Fd dir, byte[] name) throws PosixException {
        for (byte b : target) {
            if (b == 0) {
                throw new PosixException("symlinkat", name, Errno.EINVAL.intValue());
            }
        }
        check(C().symlinkat(cstr(target), dir.fd(), component(name)), "symlinkat", name);
    }

    /** mknodat: {@code mode} holds the type (S_IFIFO, S_IFCHR, S_IFBLK) and permission bits. */
    public static void mknodAt(Fd dir, byte[] name, int mode, long dev) throws PosixException {
        check(C().mknodat(dir.fd(), component(name), mode, dev), "mknodat", name);
    }

    /**
     * Makes {@code name} in {@code dir} another link to the inode {@code fd} holds (through /proc/self/fd, which
     * names exactly that inode and needs no privilege, unlike AT_EMPTY_PATH).
     */
    public static void linkAt(Fd fd, Fd dir, byte[] name) throws PosixException {
        check(C().linkat(AT_FDCWD, cstr(procFd(fd)), dir.fd(), component(name), AT_SYMLINK_FOLLOW), "linkat", name);
    }

    public static void renameAt(Fd fromDir, byte[] from, Fd toDir, byte[] to) throws PosixException {
        check(C().renameat(fromDir.fd(), component(from), toDir.fd(), component(to)), "renameat", to);
    }

    /** Removes a non-directory ({@code directory} false) or an empty directory; symlinks are removed, not followed. */
    public static void unlinkAt(Fd dir, byte[] name, boolean directory) throws PosixException {
        check(C().unlinkat(dir.fd(), component(name), directory ? AT_REMOVEDIR : 0), "unlinkat", name);
    }

    /** chown of {@code name} itself (a symlink's own owner, never its target's). */
    public static void chownAt(Fd dir, byte[] name, int uid, int gid) throws PosixException {
        check(C().fchownat(dir.fd(), component(name), uid, gid, AT_SYMLINK_NOFOLLOW), "fchownat", name);
    }

    /**
     * chmod of {@code name} itself; a symlink fails with EOPNOTSUPP instead of changing its target (glibc opens
     * the name O_PATH|O_NOFOLLOW and changes the inode it got, so a swap after a check cannot redirect it).
     */
    public static void chmodAt(Fd dir, byte[] name, int mode) throws PosixException {
        check(C().fchmodat(dir.fd(), component(name), mode, AT_SYMLINK_NOFOLLOW), "fchmodat", name);
    }

    /** Sets access and modification times (ns since the epoch) of {@code name} itself, symlinks included. */
    public static void utimesAt(Fd dir, byte[] name, long atimeNs, long mtimeNs) throws PosixException {
        check(C().utimensat(dir.fd(), component(name), timespecs(atimeNs, mtimeNs), AT_SYMLINK_NOFOLLOW), "utimensat", name);
    }

    /** Sets an xattr on {@code name} itself (not a symlink's target), through the directory fd's /proc name. */
    public static void setXattrAt(Fd dir, byte[] name, byte[] xname, byte[] value) throws PosixException {
        byte[] path = concat(procFd(dir), new byte[] {'/'}, component(name));
        check(C().lsetxattr(cstr(path), cstr(xname), value, value.length, 0), "lsetxattr", name);
    }

    public static void fchown(Fd fd, int uid, int gid) throws PosixException {
        check(C().fchown(fd.fd(), uid, gid), "fchown", null);
    }

    public static void fchmod(Fd fd, int mode) throws PosixException {
        check(C().fchmod(fd.fd(), mode), "fchmod", null);
    }

    public static void futimens(Fd fd, long atimeNs, long mtimeNs) throws PosixException {
        check(C().futimens(fd.fd(), timespecs(atimeNs, mtimeNs)), "futimens", null);
    }

    public static void fsetxattr(Fd fd, byte[] xname, byte[] value) throws PosixException {
        check(C().fsetxattr(fd.fd(), cstr(xname), value, value.length, 0), "fsetxattr", xname);
    }

    /** Writes {@code buf[0..count)} at {@code offset}, all of it. */
    public static void pwriteFully(Fd fd, byte[] buf, int count, long offset) throws PosixException {
        byte[] b = buf;
        int done = 0;
        while (done < count) {
            if (done > 0) {
                b = java.util.Arrays.copyOfRange(buf, done, count);
            }
            long n = C().pwrite(fd.fd(), b, count - done, offset + done);
            done += (int) checkLong(n, "pwrite");
        }
    }

    /** Reads up to {@code buf.length} bytes at {@code offset}; returns the count, 0 at the end. */
    public static int pread(Fd fd, byte[] buf, long offset) throws PosixException {
        return (int) checkLong(C().pread(fd.fd(), buf, buf.length, offset), "pread");
    }

    public static void ftruncate(Fd fd, long length) throws PosixException {
        check(C().ftruncate(fd.fd(), length), "ftruncate", null);
    }

    /** Forces a file's (or a directory's entries') data to the device. */
    public static void fsync(Fd fd) throws PosixException {
        check(C().fsync(fd.fd()), "fsync", null);
    }

    /** The status of {@code name} itself in {@code dir} (a symlink is not followed), or null if there is none. */
    public static Stat lstatAt(Fd dir, byte[] name) throws PosixException {
        byte[] buf = new byte[STATX_SIZE];
        int r = C().statx(dir.fd(), component(name), AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, buf);
        if (r < 0 && Lib.RT.getLastError() == Errno.ENOENT.intValue()) {
            return null;
        }
        check(r, "statx", name);
        return stat(buf);
    }

    public static Stat fstat(Fd fd) throws PosixException {
        byte[] buf = new byte[STATX_SIZE];
        check(C().statx(fd.fd(), new byte[1], AT_EMPTY_PATH, STATX_BASIC_STATS, buf), "statx", null);
        return stat(buf);
    }

    /** Whether this process runs as root (effective uid 0), which decides what restore may set. */
    public static boolean isRoot() {
        return C().geteuid() == 0;
    }

    public static int euid() {
        return C().geteuid();
    }

    public static int egid() {
        return C().getegid();
    }

    static void close(int fd) throws PosixException {
        check(C().close(fd), "close", null);
    }

    private static LibC C() {
        return Lib.C;
    }

    /** struct statx, as include/uapi/linux/stat.h lays it out (the same on every architecture). */
    private static Stat stat(byte[] buf) {
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        long mtimeNs = b.getLong(112) * 1_000_000_000L + (b.getInt(120) & 0xffffffffL);
        long dev = ((long) b.getInt(136) << 32) | (b.getInt(140) & 0xffffffffL);
        return new Stat(b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24), b.getInt(16), b.getLong(32), dev,
                b.getLong(40), mtimeNs);
    }

    private static long[] timespecs(long atimeNs, long mtimeNs) {
        return new long[] {Math.floorDiv(atimeNs, 1_000_000_000L), Math.floorMod(atimeNs, 1_000_000_000L),
            Math.floorDiv(mtimeNs, 1_000_000_000L), Math.floorMod(mtimeNs, 1_000_000_000L)};
    }

    private static byte[] procFd(Fd fd) {
        return ("/proc/self/fd/" + fd.fd()).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] component(byte[] name) throws PosixException {
        if (!Names.isComponent(name)) {
            throw new PosixException("refused name", name, Errno.EINVAL.intValue());
        }
        return cstr(name);
    }

    private static byte[] cstr(byte[] s) {
        byte[] c = new byte[s.length + 1];
        System.arraycopy(s, 0, c, 0, s.length);
        return c;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static int check(int r, String call, byte[] name) throws PosixException {
        if (r < 0) {
            throw new PosixException(call, name, Lib.RT.getLastError());
        }
        return r;
    }

    private static long checkLong(long r, String call) throws PosixException {
        if (r < 0) {
            throw new PosixException(call, null, Lib.RT.getLastError());
        }
        return r;
    }
}
