package dev.pactfs.snapshot;

import dev.pactfs.store.Cancellation;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.InodeRecord.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/*
 * Restore writes plain files with the JDK, no FUSE. Order per directory: create every entry, recurse, then set
 * the directory's owner, mode and times last (creating entries changes a directory's mtime; chown clears setuid
 * bits, so mode follows owner). Holes are skipped with a positioned write after them and a final truncate to
 * the size, so the target file is as sparse as the target filesystem allows. Hard links: entries of one
 * snapshot with equal inode numbers (and nlink > 1) are linked to the first one restored. Xattrs in the user.
 * namespace go through the JDK; others (trusted., security.) through setfattr(1), when installed.
 */

/** Copies a snapshot, or one path in it, out to a local directory, preserving metadata. Not thread-safe. */
public final class Restorer {

    /** Progress so far, handed to the listener after every file. */
    public record Progress(long files, long bytes, long totalBytes) {
    }

    /** Receives progress; called on the restoring thread. */
    @FunctionalInterface
    public interface ProgressListener {
        void progress(Progress p);
    }

    private final ChunkStore store;
    private final Trees trees;
    private final ProgressListener listener;
    private final Map<Long, Path> linked = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private long files;
    private long bytes;
    private long totalBytes;

    public Restorer(ChunkStore store, Trees trees, ProgressListener listener) {
        this.store = store;
        this.trees = trees;
        this.listener = listener == null ? p -> { } : listener;
    }

    /** Things that could not be restored exactly (an xattr namespace without setfattr, say). */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Restores {@code path} (slash-separated, "" for the whole snapshot) of {@code snap} to {@code target}, which
     * must not exist (its parent must). Returns the final progress.
     */
    public Progress restore(SnapshotRecord snap, String path, Path target) throws IOException {
        TreeEntry root = trees.rootOf(snap.root());
        TreeEntry e = trees.walk(root, Trees.components(path));
        if (e == null) {
            throw new SnapshotException("no path '" + path + "' in snapshot " + snap.name());
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(target) && !e.isDir()) {
                target = target.resolve(e.nameString());
            } else if (!(Files.isDirectory(target) && isEmptyDir(target))) {
                throw new FileAlreadyExistsException(target.toString(), null, "restore target exists and is not an empty directory");
            }
        }
        totalBytes = sizeOf(e);
        restoreEntry(e, target);
        listener.progress(new Progress(files, bytes, totalBytes));
        return new Progress(files, bytes, totalBytes);
    }

    private static boolean isEmptyDir(Path p) throws IOException {
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    private long sizeOf(TreeEntry e) throws IOException {
        if (!e.isDir()) {
            return e.isFile() ? e.size() : 0;
        }
        long n = 0;
        for (TreeEntry c : trees.get(e.subtree())) {
            n += sizeOf(c);
        }
        return n;
    }

    private void restoreEntry(TreeEntry e, Path p) throws IOException {
        Cancellation.checkpoint(); // per entry: a cancelled restore stops between files
        switch (e.kind()) {
            case Kind.DIR -> {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(p);
                }
                for (TreeEntry c : trees.get(e.subtree())) {
                    restoreEntry(c, p.resolve(c.nameString()));
                }
            }
            case Kind.FILE -> {
                if (e.nlink() > 1) {
                    Path first = linked.get(e.ino());
                    if (first != null) {
                        Files.createLink(p, first);
                        files++;
                        return;
                    }
                    linked.put(e.ino(), p);
                }
                writeFile(e, p);
                files++;
            }
            case Kind.SYMLINK -> Files.createSymbolicLink(p, Path.of(new String(e.symlink(), StandardCharsets.UTF_8)));
            case Kind.FIFO -> run("mkfifo", p.toString());
            case Kind.CHAR_DEV, Kind.BLOCK_DEV -> run("mknod", p.toString(), e.kind() == Kind.CHAR_DEV ? "c" : "b",
                    Long.toString(major(e.rdev())), Long.toString(minor(e.rdev())));
            case Kind.SOCKET -> {
                warnings.add(p + ": socket not restored");
                return;
            }
            default -> throw new SnapshotException("unknown entry kind " + e.kind() + " at " + p);
        }
        setMetadata(e, p);
        listener.progress(new Progress(files, bytes, totalBytes));
    }

    /** Linux dev_t encoding (glibc's gnu_dev_major/minor). */
    static long major(long dev) {
        return ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    }

    private void writeFile(TreeEntry e, Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long pos = 0;
            for (ChunkRef r : e.chunks()) {
                Cancellation.checkpoint(); // and between the chunks of a large file
                if (!r.isHole()) {
                    byte[] data = store.get(r.id());
                    ByteBuffer buf = ByteBuffer.wrap(data, 0, r.length());
                    long at = pos;
                    while (buf.hasRemaining()) {
                        at += ch.write(buf, at);
                    }
                    bytes += r.length();
                }
                pos += r.length();
            }
        }
        if (Files.size(p) != e.size()) {
            // a trailing hole: extend without writing data
            try (var raf = new java.io.RandomAccessFile(p.toFile(), "rw")) {
                raf.setLength(e.size());
            }
        }
    }

    private void setMetadata(TreeEntry e, Path p) throws IOException {
        if (!e.isDir() && !e.isFile() && !e.isSymlink()) {
            // fifos and devices: the JDK opens the file to set mode and times, which blocks on a fifo
            run("chown", "-h", Integer.toUnsignedString(e.uid()) + ":" + Integer.toUnsignedString(e.gid()), p.toString());
            run("chmod", Integer.toOctalString(e.mode()), p.toString());
            run("touch", "-h", "-m", "-d", touchTime(e.mtimeNs()), p.toString());
            run("touch", "-h", "-a", "-d", touchTime(e.atimeNs()), p.toString());
            return;
        }
        LinkOption[] nofollow = {LinkOption.NOFOLLOW_LINKS};
        for (TreeEntry.Xattr x : e.xattrs()) {
            setXattr(p, x, e.isSymlink());
        }
        Files.setAttribute(p, "unix:uid", e.uid(), nofollow);
        Files.setAttribute(p, "unix:gid", e.gid(), nofollow);
        if (!e.isSymlink()) {
            Files.setAttribute(p, "unix:mode", e.mode(), nofollow);
        }
        Files.getFileAttributeView(p, BasicFileAttributeView.class, nofollow).setTimes(
                FileTime.from(e.mtimeNs(), TimeUnit.NANOSECONDS), FileTime.from(e.atimeNs(), TimeUnit.NANOSECONDS), null);
    }

    private static String touchTime(long ns) {
        return "@" + Math.floorDiv(ns, 1_000_000_000L) + "." + String.format("%09d", Math.floorMod(ns, 1_000_000_000L));
    }

    private void setXattr(Path p, TreeEntry.Xattr x, boolean symlink) throws IOException {
        String name = new String(x.name(), StandardCharsets.UTF_8);
        if (name.startsWith("user.") && !symlink) {
            UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
            v.write(name.substring(5), ByteBuffer.wrap(x.value()));
            return;
        }
        try {
            String hex = "0x" + java.util.HexFormat.of().formatHex(x.value());
            run("setfattr", "-h", "-n", name, "-v", hex, p.toString());
        } catch (IOException ex) {
            warnings.add(p + ": xattr " + name + " not restored (" + ex.getMessage() + ")");
        }
    }

    private static void run(String... cmd) throws IOException {
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        try {
            if (proc.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted: " + cmd[0]);
        }
    }
}
