package dev.pactfs.fs;

import java.io.IOException;

/** A filesystem operation failed with a POSIX error the caller (the FUSE adapter) returns as {@code -errno}. */
public class FsException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public FsException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public FsException(int errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The positive POSIX error number. */
    public int errno() {
        return errno;
    }
}
