package dev.pactfs.snapshot;

import dev.pactfs.posix.Names;
import dev.pactfs.store.ByteProgress;
import dev.pactfs.store.Cancellation;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.InodeRecord.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/*
 * The archive is what GNU tar and bsdtar read back exactly (docs/decisions/0006-look-inside.md):
 *
 * - Names are the snapshot's bytes. The stream's name encoding is ISO-8859-1, which maps every byte to one char and
 *   back, and each name is handed over as its bytes read as ISO-8859-1: a name that is not UTF-8 is archived as it
 *   is. Names over 100 bytes (and link targets) go in GNU long-name records, which carry bytes too; a PAX "path"
 *   would have to be UTF-8 and could not hold them.
 * - Sizes, owners and device numbers too big for the ustar fields go in PAX records (BIGNUMBER_POSIX); so does an
 *   mtime below the second, which the library writes to 100 ns (7 decimals; GNU tar would take 9).
 * - Hard links: the second and later entries of one inode (equal ino, nlink > 1) inside the exported tree are link
 *   entries naming the first, as tar writes them.
 * - xattrs: SCHILY.xattr.NAME=VALUE records (GNU tar --xattrs, bsdtar). The library writes PAX values as UTF-8
 *   text, so a value that is not valid UTF-8 (a file capability, an ACL) cannot go there byte-exact: it goes in a
 *   LIBARCHIVE.xattr record, base64, which bsdtar restores and GNU tar ignores, and is counted in a warning.
 * - Sockets are left out (tar cannot hold them either), with a warning.
 * - Sparse files are written whole (holes as zeros): an archive reader restores the content exactly.
 */

/** Writes a snapshot directory (or one entry) as a tar stream, entry names being their snapshot paths. */
public final class TarExport {

    /** What was written. */
    public record Summary(long entries, long bytes, List<String> warnings) {
    }

    private static final int HOLE_BUFFER_BYTES = 1 << 16;

    private final ChunkStore store;
    private final Trees trees;
    private final Map<Long, String> firstLink = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private long entries;
    private long bytes;
    private long binaryXattrs;
    private ByteProgress progress = ByteProgress.NONE;
    /** Bytes of file content below the exported entry, a hard-linked file once; 0 without a progress to tell. */
    private long total;

    public TarExport(ChunkStore store, Trees trees) {
        this.store = store;
        this.trees = trees;
    }

    /** Reports the file content written of the content below what {@link #write} exports (a walk of its trees). */
    public TarExport progress(ByteProgress p) {
        this.progress = p;
        return this;
    }

    /**
     * Writes {@code top}, whose snapshot path is {@code path} ("" for the snapshot's root, which is not an entry
     * of its own, as in borg's export-tar), and everything below it to {@code out}; finishes the archive but
     * leaves {@code out} open.
     */
    public Summary write(TreeEntry top, String path, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new Unclosed(out), "ISO-8859-1");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(false);
        String name = String.join("/", Trees.components(path).stream().map(TarExport::latin1).toList());
        if (progress != ByteProgress.NONE) {
            total = contentBytes(top, new java.util.HashSet<>());
            progress.update(0, total);
        }
        if (name.isEmpty()) {
            children(tar, top, "");
        } else {
            entry(tar, top, name);
        }
        tar.finish();
        tar.close(); // closes only the Unclosed wrapper: the caller owns out
        if (binaryXattrs > 0) {
            warnings.add(binaryXattrs + " xattr values are binary: kept as LIBARCHIVE.xattr records (bsdtar restores"
                    + " them, GNU tar does not)");
        }
        return new Summary(entries, bytes, warnings);
    }

    private void children(TarArchiveOutputStream tar, TreeEntry dir, String prefix) throws IOException {
        for (TreeEntry c : trees.get(dir.subtree())) {
            if (!Names.isComponent(c.name())) {
                throw new TreeFormatException("directory /" + prefix + ": entry name '" + Names.printable(c.name())
                        + "' is not a file name (hostile or corrupt tree)");
            }
            entry(tar, c, prefix + latin1(c.name()));
        }
    }

    private void entry(TarArchiveOutputStream tar, TreeEntry e, String name) throws IOException {
        Cancellation.checkpoint(); // per entry, when the mount daemon runs it for a client
        TarArchiveEntry t;
        switch (e.kind()) {
            case Kind.DIR -> t = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
            case Kind.FILE -> {
                String first = e.nlink() > 1 ? firstLink.get(e.ino()) : null;
                if (first != null) {
                    t = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
                    t.setLinkName(first);
                } else {
                    t = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
                    t.setSize(e.size());
                    if (e.nlink() > 1) {
                        firstLink.put(e.ino(), name);
                    }
                }
            }
            case Kind.SYMLINK -> {
                t = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
                t.setLinkName(latin1(e.symlink()));
            }
            case Kind.FIFO -> t = new TarArchiveEntry(name, TarConstants.LF_FIFO, true);
            case Kind.CHAR_DEV, Kind.BLOCK_DEV -> {
                t = new TarArchiveEntry(name, e.kind() == Kind.CHAR_DEV ? TarConstants.LF_CHR : TarConstants.LF_BLK, true);
                t.setDevMajor((int) major(e.rdev()));
                t.setDevMinor((int) minor(e.rdev()));
            }
            case Kind.SOCKET -> {
                warnings.add("/" + printable(name) + ": socket left out (tar cannot hold one)");
                return;
            }
            default -> throw new TreeFormatException("/" + printable(name) + ": unknown entry kind " + e.kind());
        }
        t.setMode(e.mode() & 07777);
        t.setUserId((long) e.uid() & 0xffffffffL);
        t.setGroupId((long) e.gid() & 0xffffffffL);
        t.setUserName("");
        t.setGroupName("");
        // PAX mtime: the library writes 7 decimals, so the archive keeps mtimes to 100 ns (decision 0006)
        t.setLastModifiedTime(FileTime.from(Instant.ofEpochSecond(0, e.mtimeNs())));
        for (TreeEntry.Xattr x : e.xattrs()) {
            String key = utf8(x.name());
            String value = utf8(x.value());
            if (key != null && value != null) {
                t.addPaxHeader("SCHILY.xattr." + key, value);
            } else {
                binaryXattrs++;
                t.addPaxHeader("LIBARCHIVE.xattr." + java.net.URLEncoder.encode(
                        new String(x.name(), StandardCharsets.ISO_8859_1), StandardCharsets.ISO_8859_1),
                        Base64.getEncoder().encodeToString(x.value()));
            }
        }
        tar.putArchiveEntry(t);
        if (e.isFile() && !t.isLink()) {
            content(tar, e);
        }
        tar.closeArchiveEntry();
        entries++;
        if (e.isDir()) {
            children(tar, e, name + "/");
        }
    }

    private void content(TarArchiveOutputStream tar, TreeEntry e) throws IOException {
        long left = e.size();
        for (ChunkRef r : e.chunks()) {
            Cancellation.checkpoint(); // and between the chunks of a large file
            int n = (int) Math.min(r.length(), left);
            if (r.isHole()) {
                byte[] zeros = new byte[Math.min(n, HOLE_BUFFER_BYTES)];
                for (int done = 0; done < n; done += zeros.length) {
                    tar.write(zeros, 0, Math.min(zeros.length, n - done));
                }
            } else {
                tar.write(store.get(r.id()), 0, n);
            }
            left -= n;
            bytes += n;
            progress.update(bytes, total);
        }
        // a file longer than its chunks (truncated up): the rest is a hole
        byte[] zeros = new byte[(int) Math.min(left, HOLE_BUFFER_BYTES)];
        while (left > 0) {
            int n = (int) Math.min(left, zeros.length);
            tar.write(zeros, 0, n);
            left -= n;
            bytes += n;
        }
        progress.update(bytes, total);
    }

    /** What {@link #content} writes for {@code e} and below: file sizes, each hard-linked inode once. */
    private long contentBytes(TreeEntry e, java.util.Set<Long> linked) throws IOException {
        if (e.kind() == Kind.FILE) {
            return e.nlink() > 1 && !linked.add(e.ino()) ? 0 : e.size();
        }
        long n = 0;
        if (e.kind() == Kind.DIR) {
            for (TreeEntry c : trees.get(e.subtree())) {
                n += contentBytes(c, linked);
            }
        }
        return n;
    }

    /** glibc's gnu_dev_major/minor. */
    static long major(long dev) {
        return (dev >>> 8 & 0xfff) | (dev >>> 32 & ~0xfffL);
    }

    static long minor(long dev) {
        return (dev & 0xff) | (dev >>> 12 & ~0xffL);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String printable(String latin1Name) {
        return Names.printable(latin1Name.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** {@code b} as text when it is valid UTF-8, else null. */
    private static String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException ex) {
            return null;
        }
    }

    /** Lets the tar stream be closed (to release its buffers) without closing the caller's stream. */
    private static final class Unclosed extends java.io.FilterOutputStream {
        Unclosed(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
