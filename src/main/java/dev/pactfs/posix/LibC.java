package dev.pactfs.posix;

import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The glibc calls pactfs needs beyond the JDK, as jnr-ffi binds them (x86_64 and aarch64 Linux: int is 32 bits,
 * size_t, off_t and dev_t are 64). Every path argument is a NUL-terminated byte string built by {@link Posix};
 * never a Java String, which jnr would encode through a charset. Public only because jnr's generated
 * implementation lives in another class loader; callers use {@link Posix}.
 */
@SaveError
public interface LibC {
    int openat(int dirfd, @In byte[] path, int flags, int mode);

    int close(int fd);

    int mkdirat(int dirfd, @In byte[] path, int mode);

    int symlinkat(@In byte[] target, int dirfd, @In byte[] path);

    int mknodat(int dirfd, @In byte[] path, int mode, long dev);

    int linkat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath, int flags);

    int renameat(int olddirfd, @In byte[] oldpath, int newdirfd, @In byte[] newpath);

    int unlinkat(int dirfd, @In byte[] path, int flags);

    int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

    int fchown(int fd, int uid, int gid);

    int fchmod(int fd, int mode);

    int fchmodat(int dirfd, @In byte[] path, int mode, int flags);

    int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

    int futimens(int fd, @In long[] times);

    long pwrite(int fd, @In byte[] buf, long count, long offset);

    long pread(int fd, @Out byte[] buf, long count, long offset);

    int ftruncate(int fd, long length);

    int fsync(int fd);

    int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] buf);

    int fsetxattr(int fd, @In byte[] name, @In byte[] value, long size, int flags);

    int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, long size, int flags);

    int geteuid();

    int getegid();
}
