package dev.pactfs.posix;

import java.io.IOException;
import jnr.constants.platform.Errno;

/** A system call that failed: which call, on which name, and the errno it returned (typed, for callers to test). */
public final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    PosixException(String call, byte[] name, int errno) {
        super(call + " " + Names.printable(name) + ": " + describe(errno));
        this.errno = errno;
    }

    /** The errno value (Linux numbering). */
    public int errno() {
        return errno;
    }

    /** Whether the call failed with {@code e} (an {@link Errno} constant such as {@code Errno.ENOENT}). */
    boolean is(Errno e) {
        return e.intValue() == errno;
    }

    /** ENOENT or ENOTDIR: the name, or a directory on its path, is not there. */
    public boolean isNotFound() {
        return is(Errno.ENOENT) || is(Errno.ENOTDIR);
    }

    /** ELOOP or ENOTDIR from a no-follow open: a symlink (or a non-directory) where a directory was asked for. */
    public boolean isSymlinkOrNotDirectory() {
        return is(Errno.ELOOP) || is(Errno.ENOTDIR);
    }

    /** EINVAL from a name refused before any call (not a single path component). */
    public boolean isRefusedName() {
        return is(Errno.EINVAL) && getMessage().startsWith("refused name");
    }

    private static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        return e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.description() + " (" + e.name() + ")";
    }
}
