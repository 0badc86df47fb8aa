package dev.pactfs.posix;

import java.io.Closeable;

/** An open file descriptor (O_CLOEXEC); closed once. Not thread-safe. */
public final class Fd implements Closeable {

    private int fd;

    Fd(int fd) {
        this.fd = fd;
    }

    /** The descriptor number; -1 once closed. */
    public int fd() {
        return fd;
    }

    @Override
    public void close() throws PosixException {
        if (fd >= 0) {
            int f = fd;
            fd = -1;
            Posix.close(f);
        }
    }
}
