package dev.pactfs.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one daemon of a {@code --root}: an exclusive lock on {@code DIR/serve.lock}, held for the daemon's life. The
 * tenant locks and the quota counts live in one process's memory, so a second daemon on the same directory would
 * race the first past both; it is refused at start instead. The OS drops the lock when the process dies, so a
 * crash leaves nothing to clean up.
 */
final class RootLock implements AutoCloseable {

    /** Another daemon (or another server in this JVM) serves the directory. */
    static final class InUseException extends IOException {
        InUseException(String message) {
            super(message);
        }
    }

    private final FileChannel channel;
    private final FileLock lock;

    private RootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static RootLock acquire(Path root) throws IOException {
        Path f = root.resolve("serve.lock");
        FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new InUseException("another pactfs serve already serves " + root + " (" + f + " is locked)");
        }
        return new RootLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
