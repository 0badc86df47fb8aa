package dev.pactfs.cli;

import dev.pactfs.posix.Fd;
import dev.pactfs.posix.Posix;
import dev.pactfs.posix.PosixException;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.file.Path;

/*
 * Why by fd and not by path: export-tar often runs as root (and in the mount daemon, always), and OUT may be in a
 * directory others can write to. The directory the user named is opened once (symlinks in it followed, as the
 * shell would); inside it, the archive is created under a fresh temporary name with O_EXCL (which never follows
 * a symlink), filled through that fd, and renamed to OUT only when complete. A symlink found at OUT is refused:
 * writing through it would put the archive wherever it points, and renaming over it would silently drop it.
 */

/** OUT of export-tar and friends: written under a temporary name beside it, renamed once complete. */
final class OutputFile implements Closeable {

    /** Mode of the archive: it holds the snapshot's content, readable by whoever could read the files in it. */
    static final int MODE = 0600;
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path shown;
    private final Fd dir;
    private final byte[] name;
    private final byte[] tmp;
    private final Fd fd;
    private long written;
    private boolean committed;

    private OutputFile(Path shown, Fd dir, byte[] name, byte[] tmp, Fd fd) {
        this.shown = shown;
        this.dir = dir;
        this.name = name;
        this.tmp = tmp;
        this.fd = fd;
    }

    /** Creates the temporary file for {@code to}; refuses a directory or a symlink at {@code to}. */
    static OutputFile create(Path to) throws IOException {
        Path abs = to.toAbsolutePath().normalize();
        if (abs.getParent() == null || abs.getFileName() == null) {
            throw new UserError("cannot write " + to + ": not a file name");
        }
        byte[] name = bytes(abs.getFileName());
        Fd dir;
        try {
            dir = Posix.openDirectoryPath(bytes(abs.getParent()));
        } catch (PosixException e) {
            throw new UserError("cannot write " + abs + ": its directory " + abs.getParent() + " does not exist or is"
                    + " not a directory", e);
        }
        try {
            Posix.Stat st = Posix.lstatAt(dir, name);
            if (st != null && st.isSymlink()) {
                throw new UserError(abs + " is a symlink: pactfs does not write through a symlink it did not make;"
                        + " give the path it points to, or remove it");
            }
            if (st != null && st.isDir()) {
                throw new UserError("cannot write " + abs + ": it is a directory");
            }
            byte[] tmp = ("." + Long.toHexString(System.nanoTime()) + ".pactfs-tmp").getBytes(Charset.forName("US-ASCII"));
            Fd fd = Posix.openAt(dir, tmp, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL, MODE);
            return new OutputFile(abs, dir, name, tmp, fd);
        } catch (IOException | RuntimeException e) {
            dir.close();
            throw e;
        }
    }

    /** A buffered stream into the temporary file; closing it does not close this. */
    OutputStream stream() {
        return new java.io.BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                byte[] part = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
                Posix.pwriteFully(fd, part, len, written);
                written += len;
            }
        }, BUFFER_BYTES);
    }

    /** Publishes the complete file as OUT (replacing a regular file there). */
    void commit() throws IOException {
        // On the device before it replaces OUT, and the rename after it: a power loss leaves the old archive or the
        // new one whole, never an empty or partial file under OUT's name.
        Posix.fsync(fd);
        Posix.renameAt(dir, tmp, dir, name);
        committed = true;
        Posix.fsync(dir);
    }

    Path path() {
        return shown;
    }

    /** Closes; without {@link #commit} the temporary file is removed, so no half-written OUT remains. */
    @Override
    public void close() throws IOException {
        try {
            fd.close();
            if (!committed) {
                try {
                    Posix.unlinkAt(dir, tmp, false);
                } catch (PosixException ignored) {
                    // already gone
                }
            }
        } finally {
            dir.close();
        }
    }

    /** A path the user gave, as the bytes the JDK would pass to the kernel. */
    private static byte[] bytes(Path p) {
        return p.toString().getBytes(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
    }
}
