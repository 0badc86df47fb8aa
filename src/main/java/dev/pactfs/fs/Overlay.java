package dev.pactfs.fs;

import java.io.Closeable;
import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/*
 * Dirty bytes of one open file that are not in its committed chunk list yet: random writes, overwrites and
 * appends that did not take the streaming fast path. The bytes live at their own file offsets in a sparse
 * temporary file under the repo's tmp/ directory (the page cache keeps it in memory while it is small, the disk
 * takes it when it is not); a TreeMap of disjoint, non-adjacent ranges says which offsets are dirty.
 */

/**
 * The dirty ranges of one open file and their bytes. Not thread-safe: the owning {@link OpenFile} serialises.
 */
final class Overlay implements Closeable {

    private final Path tmpDir;
    /** start -> end (exclusive) of disjoint, non-touching dirty ranges. */
    private final TreeMap<Long, Long> ranges = new TreeMap<>();
    private FileChannel file;
    private Path path;

    Overlay(Path tmpDir) {
        this.tmpDir = tmpDir;
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Records {@code len} bytes at {@code offset}. Fails (ENOSPC included) without changing the dirty set. */
    void write(long offset, byte[] src, int srcOff, int len) throws IOException {
        if (len == 0) {
            return;
        }
        if (file == null) {
            PrivateFiles.createDirectories(tmpDir);
            path = PrivateFiles.createTempFile(tmpDir, "overlay-", ".tmp");
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.DELETE_ON_CLOSE);
        }
        ByteBuffer buf = ByteBuffer.wrap(src, srcOff, len);
        long pos = offset;
        while (buf.hasRemaining()) {
            pos += file.write(buf, pos);
        }
        addRange(offset, offset + len);
    }

    private void addRange(long start, long end) {
        Map.Entry<Long, Long> before = ranges.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
        }
        Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
        while (next != null && next.getKey() <= end) {
            end = Math.max(end, next.getValue());
            ranges.remove(next.getKey());
            next = ranges.ceilingEntry(start);
        }
        ranges.put(start, end);
    }

    /** Copies the dirty bytes inside {@code [offset, offset + len)} over {@code dst}; leaves the rest alone. */
    void readInto(long offset, byte[] dst, int dstOff, int len) throws IOException {
        long end = offset + len;
        Map.Entry<Long, Long> first = ranges.floorEntry(offset);
        Long from = first != null && first.getValue() > offset ? first.getKey() : ranges.ceilingKey(offset);
        if (from == null) {
            return;
        }
        for (Map.Entry<Long, Long> r : ranges.tailMap(from, true).entrySet()) {
            if (r.getKey() >= end) {
                break;
            }
            long a = Math.max(r.getKey(), offset);
            long b = Math.min(r.getValue(), end);
            ByteBuffer buf = ByteBuffer.wrap(dst, dstOff + (int) (a - offset), (int) (b - a));
            long pos = a;
            while (buf.hasRemaining()) {
                int n = file.read(buf, pos);
                if (n < 0) {
                    // beyond the temp file's end: a range truncated away on disk reads as zeros
                    while (buf.hasRemaining()) {
                        buf.put((byte) 0);
                    }
                    break;
                }
                pos += n;
            }
        }
    }

    /** Forgets every dirty byte at or after {@code size}. */
    void truncate(long size) throws IOException {
        Map.Entry<Long, Long> last = ranges.lowerEntry(size);
        if (last != null && last.getValue() > size) {
            ranges.put(last.getKey(), size);
        }
        ranges.tailMap(size, true).clear();
        if (file != null && file.size() > size) {
            file.truncate(size);
        }
    }

    /** The dirty ranges as {@code [start, end)} pairs, in order. */
    List<long[]> ranges() {
        List<long[]> out = new ArrayList<>(ranges.size());
        for (Map.Entry<Long, Long> r : ranges.entrySet()) {
            out.add(new long[] {r.getKey(), r.getValue()});
        }
        return out;
    }

    /** Whether any dirty byte lies in {@code [start, end)}. */
    boolean intersects(long start, long end) {
        Map.Entry<Long, Long> r = ranges.lowerEntry(end);
        return r != null && r.getValue() > start;
    }

    /** Forgets everything (after a commit) and gives the temp file's space back. */
    void clear() throws IOException {
        ranges.clear();
        close();
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            try {
                file.close();
            } finally {
                file = null;
                Files.deleteIfExists(path);
            }
        }
    }
}
