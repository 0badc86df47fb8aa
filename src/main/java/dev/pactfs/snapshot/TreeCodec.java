package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.posix.Names;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.InodeRecord.Kind;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/*
 * Tree blob layout, format 1 (docs/format.md, "Snapshots and tree blobs"). All integers are unsigned LEB128
 * varints unless noted; times are zigzag varints (they may precede 1970).
 *
 *   u8 format (= 1)
 *   varint entry count
 *   entry, in strictly increasing unsigned byte order of name:
 *     varint name length (1..255), name bytes: one path component (no '/', no NUL, not "." or ".."), except
 *       the single entry "/" of a top tree (kind dir); the decoder refuses anything else, so a hostile tree
 *       cannot name a place outside its directory
 *     u8 kind (InodeRecord.Kind: 1 file, 2 dir, 3 symlink, 4 fifo, 5 chr, 6 blk, 7 socket)
 *     varint mode (permission bits, <= 07777), varint uid, varint gid (as unsigned 32-bit)
 *     varint size, varint nlink, varint rdev
 *     zigzag atime_ns, mtime_ns, ctime_ns, btime_ns
 *     varint ino (live inode number at freeze: equal numbers within one snapshot are hard links)
 *     varint xattr count, then per xattr: varint name length, name, varint value length, value
 *     kind file:    varint ref count, then per ref: u8 tag (0 hole, 1 chunk), [32-byte chunk id if tag 1],
 *                   varint length (> 0); the refs cover exactly `size` bytes
 *     kind dir:     32-byte tree blob id of the subdirectory
 *     kind symlink: varint target length, target bytes
 *     other kinds:  nothing more
 *   Reserved for issue 15 (small files), written by no pactfs yet, refused by this one with "needs a newer
 *   pactfs" (a reader that skipped them would show a file without its content):
 *     kind 8, inline content:          varint content length, content bytes (size = that length)
 *     kind 9, range of a shared chunk: 32-byte chunk id, varint offset, varint length (size = length)
 *
 * Encoding is deterministic (one byte string per listing), which is what makes an unchanged directory
 * deduplicate to the same blob id. The decoder re-checks every length and count against what is left.
 */

/** Encodes and decodes tree blobs: one directory listing of a snapshot. */
public final class TreeCodec {

    /** The format byte this build writes and reads. */
    public static final int FORMAT = 1;
    /** Longest name (bytes), xattr value (bytes) and symlink target (bytes) a decoder accepts. */
    static final int NAME_MAX_BYTES = 255;
    static final int XATTR_VALUE_MAX_BYTES = 65536;
    static final int SYMLINK_MAX_BYTES = 4096;
    /** Entry kind reserved for a file whose content is inline in the entry (issue 15); this pactfs reads none. */
    static final int KIND_INLINE = 8;
    /** Entry kind reserved for a file that is a range of a shared chunk (issue 15); this pactfs reads none. */
    static final int KIND_CHUNK_RANGE = 9;
    /** The one entry of a top tree (docs/format.md, "Top tree"); no other listing may hold a '/'. */
    static final byte[] TOP_NAME = {'/'};

    private TreeCodec() {
    }

    public static byte[] encode(List<TreeEntry> entries) {
        Out out = new Out(64 + entries.size() * 96);
        out.u8(FORMAT);
        out.varint(entries.size());
        byte[] prev = null;
        for (TreeEntry e : entries) {
            if (prev != null && Arrays.compareUnsigned(prev, e.name()) >= 0) {
                throw new IllegalArgumentException("tree entries not in strictly increasing name order at '"
                        + e.nameString() + "'");
            }
            prev = e.name();
            out.bytes(e.name());
            out.u8(e.kind());
            out.varint(e.mode());
            out.varint(e.uid() & 0xffffffffL);
            out.varint(e.gid() & 0xffffffffL);
            out.varint(e.size());
            out.varint(e.nlink());
            out.varint(e.rdev());
            out.zigzag(e.atimeNs());
            out.zigzag(e.mtimeNs());
            out.zigzag(e.ctimeNs());
            out.zigzag(e.btimeNs());
            out.varint(e.ino());
            out.varint(e.xattrs().size());
            for (TreeEntry.Xattr x : e.xattrs()) {
                out.bytes(x.name());
                out.bytes(x.value());
            }
            switch (e.kind()) {
                case Kind.FILE -> {
                    out.varint(e.chunks().size());
                    for (ChunkRef r : e.chunks()) {
                        if (r.isHole()) {
                            out.u8(0);
                        } else {
                            out.u8(1);
                            out.raw(r.id().toBytes());
                        }
                        out.varint(r.length());
                    }
                }
                case Kind.DIR -> out.raw(e.subtree().toBytes());
                case Kind.SYMLINK -> out.bytes(e.symlink());
                default -> {
                }
            }
        }
        return out.toByteArray();
    }

    /** Parses a tree blob; {@code what} names it in errors (e.g. "tree 3fa2…"). */
    public static List<TreeEntry> decode(byte[] blob, String what) throws TreeFormatException {
        In in = new In(blob, what);
        int format = in.u8();
        if (format != FORMAT) {
            throw new TreeFormatException(what + ": tree format " + format + ", this pactfs reads " + FORMAT
                    + (format > FORMAT ? " (upgrade pactfs)" : ""));
        }
        long count = in.varint();
        // every entry takes at least 20 bytes: bound the count before allocating
        if (count < 0 || count > blob.length / 20 + 1) {
            throw new TreeFormatException(what + ": entry count " + count + " exceeds what " + blob.length + " bytes can hold");
        }
        List<TreeEntry> out = new ArrayList<>((int) count);
        byte[] prev = null;
        for (long i = 0; i < count; i++) {
            byte[] name = in.bytes(NAME_MAX_BYTES, "name");
            if (name.length == 0) {
                throw new TreeFormatException(what + ": empty name in entry " + i);
            }
            if (prev != null && Arrays.compareUnsigned(prev, name) >= 0) {
                throw new TreeFormatException(what + ": entries out of order at entry " + i);
            }
            prev = name;
            int kind = in.u8();
            if (kind == KIND_INLINE || kind == KIND_CHUNK_RANGE) {
                throw new TreeFormatException(what + ": entry " + i + ": tree entry kind " + kind + " ("
                        + (kind == KIND_INLINE ? "inline content" : "range of a shared chunk")
                        + ") needs a newer pactfs");
            }
            if (kind < Kind.FILE || kind > Kind.SOCKET) {
                throw new TreeFormatException(what + ": unknown kind " + kind + " in entry " + i);
            }
            boolean topEntry = count == 1 && kind == Kind.DIR && Arrays.equals(name, TOP_NAME);
            if (!topEntry && !Names.isComponent(name)) {
                throw new TreeFormatException(what + ": entry " + i + " has the name '" + Names.printable(name)
                        + "', which is not a file name (no '/', NUL, '.' or '..')");
            }
            int mode = (int) in.varintMax(07777, "mode");
            int uid = (int) in.varintMax(0xffffffffL, "uid");
            int gid = (int) in.varintMax(0xffffffffL, "gid");
            long size = in.varintMax(Long.MAX_VALUE, "size");
            int nlink = (int) in.varintMax(Integer.MAX_VALUE, "nlink");
            long rdev = in.varint();
            long atime = in.zigzag();
            long mtime = in.zigzag();
            long ctime = in.zigzag();
            long btime = in.zigzag();
            long ino = in.varint();
            long nx = in.varint();
            if (nx < 0 || nx > in.remaining() / 2) {
                throw new TreeFormatException(what + ": xattr count " + nx + " exceeds the blob");
            }
            List<TreeEntry.Xattr> xattrs = new ArrayList<>((int) nx);
            for (long x = 0; x < nx; x++) {
                xattrs.add(new TreeEntry.Xattr(in.bytes(NAME_MAX_BYTES, "xattr name"),
                        in.bytes(XATTR_VALUE_MAX_BYTES, "xattr value")));
            }
            List<ChunkRef> chunks = List.of();
            ChunkId subtree = null;
            byte[] symlink = null;
            switch (kind) {
                case Kind.FILE -> {
                    long n = in.varint();
                    if (n < 0 || n > in.remaining() / 2) {
                        throw new TreeFormatException(what + ": chunk count " + n + " exceeds the blob");
                    }
                    chunks = new ArrayList<>((int) n);
                    long total = 0;
                    for (long c = 0; c < n; c++) {
                        int tag = in.u8();
                        ChunkId id = switch (tag) {
                            case 0 -> null;
                            case 1 -> ChunkId.of(in.raw(ChunkId.LENGTH));
                            default -> throw new TreeFormatException(what + ": bad chunk tag " + tag);
                        };
                        long len = in.varintMax(Integer.MAX_VALUE, "chunk length");
                        if (len == 0) {
                            throw new TreeFormatException(what + ": zero-length chunk ref");
                        }
                        chunks.add(new ChunkRef(id, (int) len));
                        total += len;
                    }
                    if (total != size) {
                        throw new TreeFormatException(what + ": chunks of '" + new String(name,
                                java.nio.charset.StandardCharsets.UTF_8) + "' cover " + total + " bytes, size is " + size);
                    }
                }
                case Kind.DIR -> subtree = ChunkId.of(in.raw(ChunkId.LENGTH));
                case Kind.SYMLINK -> symlink = in.bytes(SYMLINK_MAX_BYTES, "symlink target");
                default -> {
                }
            }
            out.add(new TreeEntry(name, kind, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, btime, ino,
                    xattrs, chunks, subtree, symlink));
        }
        if (in.remaining() != 0) {
            throw new TreeFormatException(what + ": " + in.remaining() + " trailing bytes");
        }
        return out;
    }

    /** Growable output with varint helpers. */
    static final class Out extends ByteArrayOutputStream {
        Out(int size) {
            super(size);
        }

        void u8(int v) {
            write(v);
        }

        void varint(long v) {
            while ((v & ~0x7fL) != 0) {
                write((int) ((v & 0x7f) | 0x80));
                v >>>= 7;
            }
            write((int) v);
        }

        void zigzag(long v) {
            varint((v << 1) ^ (v >> 63));
        }

        void raw(byte[] b) {
            write(b, 0, b.length);
        }

        void bytes(byte[] b) {
            varint(b.length);
            raw(b);
        }

        void string(String s) {
            bytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Bounds-checked input. */
    static final class In {
        private final byte[] b;
        private final String what;
        private int pos;

        In(byte[] b, String what) {
            this.b = b;
            this.what = what;
        }

        int remaining() {
            return b.length - pos;
        }

        int u8() throws TreeFormatException {
            if (pos >= b.length) {
                throw new TreeFormatException(what + ": truncated at byte " + pos);
            }
            return b[pos++] & 0xff;
        }

        long varint() throws TreeFormatException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int x = u8();
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw new TreeFormatException(what + ": varint longer than 10 bytes at byte " + pos);
        }

        long varintMax(long max, String field) throws TreeFormatException {
            long v = varint();
            if (v < 0 || v > max) {
                throw new TreeFormatException(what + ": " + field + " " + Long.toUnsignedString(v) + " out of range");
            }
            return v;
        }

        long zigzag() throws TreeFormatException {
            long v = varint();
            return (v >>> 1) ^ -(v & 1);
        }

        byte[] raw(int n) throws TreeFormatException {
            if (n < 0 || n > remaining()) {
                throw new TreeFormatException(what + ": truncated: needs " + n + " bytes at byte " + pos
                        + ", has " + remaining());
            }
            byte[] out = Arrays.copyOfRange(b, pos, pos + n);
            pos += n;
            return out;
        }

        byte[] bytes(int max, String field) throws TreeFormatException {
            long n = varint();
            // A 10-byte varint can be negative as a long (SnapshotDecodersFuzzTest, found-negative-length, tree/found-negative-count).
            if (n < 0 || n > max) {
                throw new TreeFormatException(what + ": " + field + " of " + n + " bytes (at most " + max + ")");
            }
            return raw((int) n);
        }

        String string(int max, String field) throws TreeFormatException {
            return new String(bytes(max, field), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
