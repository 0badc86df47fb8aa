package dev.pactfs.fs;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.FileChunkLists;
import dev.pactfs.store.FileChunkLists.Placed;
import dev.pactfs.store.Namespace;
import dev.pactfs.store.SequentialReads;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/*
 * The content of one regular file while at least one handle has it open. Every handle of the inode shares this
 * object, so a read sees every completed write from any handle.
 *
 * Three layers make up what a read sees, bottom to top:
 *   committed  the chunk list in the catalog (committedSize bytes), cached here as `committed`;
 *   truncation bytes of the committed list at or after lowWater were cut off by a truncate since the last
 *              commit and read as zeros;
 *   overlay    dirty ranges written since the last commit (Overlay, a sparse temp file).
 * `size` is the logical length. A byte past min(lowWater, committedSize) that no overlay range covers is zero.
 *
 * Fast path: while the file is clean and a write lands exactly at its end, the bytes go straight into a
 * ContentWriter (`stream`) instead of the overlay. An append to a non-empty file first re-feeds the last
 * committed chunk, so the chunk boundaries are exactly those of one uninterrupted stream (CDC boundaries depend
 * only on the bytes since the previous boundary). A read of streamed bytes that are not committed yet, or any
 * other kind of write, first commits the stream.
 *
 * Commit of the overlay (flush): each changed zone is re-chunked from the committed chunk boundary at or before
 * its first changed byte until a new boundary lands on an old one past the zone (CDC resynchronises) or the end
 * of the file; FileChunkLists.replaceRange swaps exactly the refs covering the re-chunked span. Long runs of
 * zeros that are holes (never written) become hole refs and are never chunked.
 *
 * Thread safety: every method runs under `lock` (per inode serialisation, DESIGN.md "Writes through FUSE").
 */
final class OpenFile {

    /** Runs of never-written zeros at least this long become hole refs instead of being chunked (bytes). */
    static final long MIN_HOLE_BYTES = 64 * 1024;
    /** Largest single hole ref (bytes): ChunkRef lengths are ints. */
    static final int MAX_HOLE_REF = 1 << 30;
    /** Bytes fed to the chunker per step while re-chunking. */
    private static final int FEED_BYTES = 1 << 20;

    final long ino;
    final ReentrantLock lock = new ReentrantLock();
    private final Content ctx;

    /** Guarded by the registry: open handles. */
    int handles;

    private List<Placed> committed;
    /** Prefetch ahead of and release behind a sequential reader of the committed chunks. */
    private final SequentialReads sequential;
    private long committedSize;
    private long size;
    private long lowWater;
    private Overlay overlay;
    private Stream stream;
    /** mtime (ns) of writes not committed yet; null when none. */
    private Long pendingMtime;
    /** A failure of an earlier write that could not be reported on the spot; raised at the next flush/fsync. */
    private IOException deferred;

    private static final class Stream {
        final ContentWriter writer;
        final long start;
        long end;

        Stream(ContentWriter writer, long start) {
            this.writer = writer;
            this.start = start;
            this.end = start;
        }
    }

    OpenFile(long ino, long committedSize, Content ctx) {
        this.ino = ino;
        this.ctx = ctx;
        this.sequential = new SequentialReads(ctx.store());
        this.committedSize = committedSize;
        this.size = committedSize;
        this.lowWater = committedSize;
    }

    long size() {
        return size;
    }

    Long pendingMtime() {
        return pendingMtime;
    }

    /** A utimens/setattr set mtime explicitly: writes so far no longer change it at commit. */
    void clearPendingMtime() {
        pendingMtime = null;
    }

    private boolean clean() {
        return stream == null && (overlay == null || overlay.isEmpty()) && lowWater == committedSize
                && size == committedSize;
    }

    boolean dirty() {
        return !clean() || pendingMtime != null;
    }

    // ---------------------------------------------------------------- reads

    int read(long offset, byte[] dst, int dstOff, int len) throws IOException {
        if (offset >= size || len <= 0) {
            return 0;
        }
        int n = (int) Math.min(len, size - offset);
        if (stream != null && offset + n > committedSize) {
            commitStream();
        }
        if (stream != null || clean()) {
            return readCommitted(offset, dst, dstOff, n);
        }
        readView(offset, dst, dstOff, n);
        return n;
    }

    /** The new content (committed below the truncation mark, zeros, overlay on top) of {@code [offset, +len)}. */
    private void readView(long offset, byte[] dst, int dstOff, int len) throws IOException {
        long validEnd = Math.min(lowWater, committedSize);
        int fromCommitted = offset < validEnd ? (int) Math.min(len, validEnd - offset) : 0;
        if (fromCommitted > 0) {
            int got = readCommitted(offset, dst, dstOff, fromCommitted);
            if (got != fromCommitted) {
                throw new IOException("chunk list of inode " + ino + " ends at " + (offset + got)
                        + ", before its committed size " + committedSize);
            }
        }
        Arrays.fill(dst, dstOff + fromCommitted, dstOff + len, (byte) 0);
        if (overlay != null) {
            overlay.readInto(offset, dst, dstOff, len);
        }
    }

    private int readCommitted(long offset, byte[] dst, int dstOff, int len) throws IOException {
        List<Placed> list = committed();
        int i = indexOf(list, offset);
        if (i < 0) {
            return 0;
        }
        int j = i;
        long end = offset + len;
        while (j < list.size() && list.get(j).offset() < end) {
            j++;
        }
        sequential.onRead(list, new PlacedChunks(list), offset, end, j);
        return ctx.reader().read(list.subList(i, j), offset, dst, dstOff, len);
    }

    /** The placed refs of a committed list as {@link SequentialReads} sees them. */
    private record PlacedChunks(List<Placed> list) implements SequentialReads.Chunks {
        @Override
        public int count() {
            return list.size();
        }

        @Override
        public long start(int i) {
            return list.get(i).offset();
        }

        @Override
        public ChunkRef ref(int i) {
            return list.get(i).ref();
        }
    }

    /** Index of the placed ref containing {@code offset}, or -1 past the end. */
    private static int indexOf(List<Placed> list, long offset) {
        int lo = 0;
        int hi = list.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Placed p = list.get(mid);
            if (p.end() <= offset) {
                lo = mid + 1;
            } else if (p.offset() > offset) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private List<Placed> committed() throws IOException {
        if (committed == null) {
            List<ChunkRef> refs = ctx.catalog().transaction(tx -> FileChunkLists.load(tx, ino));
            List<Placed> out = new ArrayList<>(refs.size());
            long off = 0;
            for (ChunkRef r : refs) {
                out.add(new Placed(off, r));
                off += r.length();
            }
            if (off != committedSize) {
                throw new IOException("chunk list of inode " + ino + " covers " + off + " bytes but its size is "
                        + committedSize);
            }
            committed = out;
        }
        return committed;
    }

    // ---------------------------------------------------------------- writes

    void write(long offset, byte[] src, int srcOff, int len, long nowNs) throws IOException {
        if (len <= 0) {
            return;
        }
        if (stream != null && offset == stream.end) {
            streamWrite(src, srcOff, len);
        } else {
            if (stream != null) {
                commitStream();
            }
            if (clean() && offset == size) {
                startStream();
                streamWrite(src, srcOff, len);
            } else {
                if (overlay == null) {
                    overlay = new Overlay(ctx.tmpDir());
                }
                overlay.write(offset, src, srcOff, len);
                size = Math.max(size, offset + len);
            }
        }
        pendingMtime = nowNs;
    }

    private void streamWrite(byte[] src, int srcOff, int len) throws IOException {
        try {
            stream.writer.write(src, srcOff, len);
        } catch (IOException | RuntimeException e) {
            abandonStream();
            throw e;
        }
        stream.end += len;
        size = stream.end;
    }

    private void startStream() throws IOException {
        List<Placed> list = committed();
        long start = committedSize;
        if (!list.isEmpty() && !list.get(list.size() - 1).ref().isHole()) {
            start = list.get(list.size() - 1).offset();
        }
        Stream s = new Stream(new ContentWriter(ctx.store(), ctx.chunkers().get()), start);
        if (start < committedSize) {
            byte[] tail = new byte[(int) (committedSize - start)];
            int got = readCommitted(start, tail, 0, tail.length);
            if (got != tail.length) {
                s.writer.abort();
                throw new IOException("short read of the last chunk of inode " + ino);
            }
            try {
                s.writer.write(tail, 0, tail.length);
            } catch (IOException | RuntimeException e) {
                s.writer.abort();
                throw e;
            }
            s.end = committedSize;
        }
        stream = s;
    }

    /** The stream failed: its bytes past the committed size are lost, the file is back at its committed state. */
    private void abandonStream() {
        Stream s = stream;
        stream = null;
        s.writer.abort();
        size = committedSize;
        lowWater = committedSize;
    }

    private void commitStream() throws IOException {
        Stream s = stream;
        List<ChunkRef> refs;
        try {
            refs = s.writer.finish();
        } catch (IOException | RuntimeException e) {
            stream = null;
            size = committedSize;
            lowWater = committedSize;
            throw e;
        }
        stream = null;
        List<ChunkId> pins = ids(refs);
        try {
            long newSize = s.end;
            Long mtime = pendingMtime;
            ctx.catalog().transaction(tx -> {
                FileChunkLists.replaceRange(tx, ino, s.start, Long.MAX_VALUE, s.start, refs);
                setContent(tx, newSize, mtime);
                return null;
            });
            committed = null;
            committedSize = newSize;
            size = newSize;
            lowWater = newSize;
            pendingMtime = null;
        } catch (IOException | RuntimeException e) {
            size = committedSize;
            lowWater = committedSize;
            throw e;
        } finally {
            ctx.store().unpin(pins);
        }
    }

    void truncate(long newSize, long nowNs) throws IOException {
        if (newSize < 0) {
            throw new FsException(Errno.EINVAL, "negative size");
        }
        if (stream != null) {
            commitStream();
        }
        if (newSize < size) {
            if (overlay != null) {
                overlay.truncate(newSize);
            }
            lowWater = Math.min(lowWater, newSize);
        }
        size = newSize;
        pendingMtime = nowNs;
    }

    void deferError(IOException e) {
        if (deferred == null) {
            deferred = e;
        }
    }

    // ---------------------------------------------------------------- commit

    /** Makes every completed write part of the committed content (flush, fsync, release). */
    void commit() throws IOException {
        if (deferred != null) {
            IOException e = deferred;
            deferred = null;
            throw e;
        }
        if (stream != null) {
            commitStream();
            return;
        }
        if (!clean()) {
            commitOverlay();
        } else if (pendingMtime != null) {
            long t = pendingMtime;
            ctx.catalog().transaction(tx -> {
                Namespace.setContent(tx, ino, size, t, t);
                return null;
            });
            pendingMtime = null;
        }
    }

    /**
     * Records the committed size with the pending mtime; with none pending (a utimens since the last write set
     * the times explicitly: cp -a, tar, rsync) the inode's times stay as they are.
     */
    private void setContent(dev.pactfs.store.Tx tx, long newSize, Long mtime) throws IOException {
        if (mtime != null) {
            Namespace.setContent(tx, ino, newSize, mtime, mtime);
        } else {
            dev.pactfs.store.InodeRecord r = Namespace.get(tx, ino);
            if (r != null) {
                Namespace.setContent(tx, ino, newSize, r.mtimeNs(), r.ctimeNs());
            }
        }
    }

    /** Drops everything uncommitted (the inode is gone). */
    void discard() throws IOException {
        if (stream != null) {
            stream.writer.abort();
            stream = null;
        }
        if (overlay != null) {
            overlay.close();
            overlay = null;
        }
    }

    private void commitOverlay() throws IOException {
        List<Placed> old = committed();
        long validEnd = Math.min(lowWater, committedSize);
        List<long[]> zones = new ArrayList<>();
        if (overlay != null) {
            for (long[] r : overlay.ranges()) {
                if (r[0] < validEnd) {
                    zones.add(new long[] {r[0], Math.min(r[1], validEnd)});
                }
            }
        }
        boolean tail = validEnd < committedSize || size != committedSize;
        if (tail) {
            zones.add(new long[] {validEnd, Math.max(validEnd, size)});
        }
        TreeMap<Long, Placed> oldByOffset = new TreeMap<>();
        for (Placed p : old) {
            oldByOffset.put(p.offset(), p);
        }
        List<long[]> holes = pureHoles(old, validEnd);

        Rechunk rc = new Rechunk(zones, oldByOffset, validEnd, holes, tail);
        List<ChunkId> pins = new ArrayList<>();
        try {
            rc.run(pins);
            long newSize = size;
            Long mtime = pendingMtime;
            ctx.catalog().transaction(tx -> {
                for (Rechunk.Segment seg : rc.segments) {
                    FileChunkLists.replaceRange(tx, ino, seg.start, seg.oldEnd, seg.start, seg.refs);
                }
                setContent(tx, newSize, mtime);
                return null;
            });
        } finally {
            ctx.store().unpin(pins);
        }
        committed = null;
        committedSize = size;
        lowWater = size;
        pendingMtime = null;
        if (overlay != null) {
            overlay.clear();
            overlay = null;
        }
    }

    /** Ranges that read as never-written zeros and are long enough to stay holes: old holes and the gap past validEnd, minus the overlay. */
    private List<long[]> pureHoles(List<Placed> old, long validEnd) {
        List<long[]> candidates = new ArrayList<>();
        for (Placed p : old) {
            if (p.ref().isHole() && p.offset() < validEnd) {
                long a = p.offset();
                long b = Math.min(p.end(), validEnd);
                if (!candidates.isEmpty() && candidates.get(candidates.size() - 1)[1] == a) {
                    candidates.get(candidates.size() - 1)[1] = b;
                } else {
                    candidates.add(new long[] {a, b});
                }
            }
        }
        if (size > validEnd) {
            if (!candidates.isEmpty() && candidates.get(candidates.size() - 1)[1] == validEnd) {
                candidates.get(candidates.size() - 1)[1] = size;
            } else {
                candidates.add(new long[] {validEnd, size});
            }
        }
        List<long[]> dirty = overlay == null ? List.of() : overlay.ranges();
        List<long[]> out = new ArrayList<>();
        for (long[] c : candidates) {
            long a = c[0];
            for (long[] d : dirty) {
                if (d[1] <= a) {
                    continue;
                }
                if (d[0] >= c[1]) {
                    break;
                }
                if (d[0] > a) {
                    addHole(out, a, d[0]);
                }
                a = Math.max(a, d[1]);
            }
            if (a < c[1]) {
                addHole(out, a, c[1]);
            }
        }
        return out;
    }

    private static void addHole(List<long[]> out, long a, long b) {
        if (b - a >= MIN_HOLE_BYTES) {
            out.add(new long[] {a, b});
        }
    }

    private static List<ChunkId> ids(List<ChunkRef> refs) {
        List<ChunkId> out = new ArrayList<>(refs.size());
        for (ChunkRef r : refs) {
            if (!r.isHole()) {
                out.add(r.id());
            }
        }
        return out;
    }

    /** One re-chunking pass over the changed zones; collects the replacement segments, stores new chunks. */
    private final class Rechunk {
        final List<long[]> zones;
        final TreeMap<Long, Placed> old;
        final long validEnd;
        final List<long[]> holes;
        final boolean tail;
        final List<Segment> segments = new ArrayList<>();
        final Chunker chunker = ctx.chunkers().get();

        /** A span [start, oldEnd) of the old list replaced by refs (oldEnd = Long.MAX_VALUE: to the end). */
        final class Segment {
            final long start;
            long oldEnd = Long.MAX_VALUE;
            final List<ChunkRef> refs = new ArrayList<>();

            Segment(long start) {
                this.start = start;
            }
        }

        Rechunk(List<long[]> zones, TreeMap<Long, Placed> old, long validEnd, List<long[]> holes, boolean tail) {
            this.zones = zones;
            this.old = old;
            this.validEnd = validEnd;
            this.holes = holes;
            this.tail = tail;
        }

        /** Where re-chunking must start for a zone beginning at {@code a}: the old boundary at or before it. */
        long startFor(long a) {
            if (a >= committedSize) {
                var last = old.lastEntry();
                if (last != null && !last.getValue().ref().isHole() && last.getValue().end() == committedSize
                        && committedSize <= validEnd) {
                    return last.getKey();
                }
                return Math.min(a, validEnd);
            }
            var e = old.floorEntry(a);
            return e == null ? 0 : e.getKey();
        }

        boolean insideZone(long e) {
            for (long[] z : zones) {
                if (z[0] < e && e < z[1]) {
                    return true;
                }
                if (tail && z == zones.get(zones.size() - 1) && e > z[0]) {
                    return true;
                }
            }
            return false;
        }

        boolean canResync(long e) {
            return e < committedSize && e <= validEnd && old.containsKey(e) && !insideZone(e);
        }

        void run(List<ChunkId> pins) throws IOException {
            if (zones.isEmpty()) {
                return;
            }
            int zi = 0;
            byte[] buf = new byte[FEED_BYTES];
            while (zi < zones.size()) {
                long pos = startFor(zones.get(zi)[0]);
                Segment seg = new Segment(pos);
                segments.add(seg);
                long[] emitted = {pos};       // absolute end of the last chunk emitted
                long[] resyncAt = {-1};
                boolean done = false;
                while (!done) {
                    if (pos >= size) {
                        // end of file: the last chunk, and the segment runs to the end
                        chunker.finish(chunk -> {
                            pins.add(putChunk(seg, chunk, emitted[0]));
                            emitted[0] += chunk.length;
                        });
                        seg.oldEnd = Long.MAX_VALUE;
                        zi = zones.size();
                        break;
                    }
                    long[] hole = holeAt(pos);
                    if (hole != null) {
                        chunker.finish(chunk -> {
                            pins.add(putChunk(seg, chunk, emitted[0]));
                            emitted[0] += chunk.length;
                        });
                        for (long a = hole[0]; a < hole[1]; a += MAX_HOLE_REF) {
                            seg.refs.add(ChunkRef.hole((int) Math.min(MAX_HOLE_REF, hole[1] - a)));
                        }
                        pos = hole[1];
                        emitted[0] = pos;
                        if (canResync(pos)) {
                            resyncAt[0] = pos;
                        }
                    } else {
                        long limit = Math.min(size, pos + buf.length);
                        long[] nextHole = nextHoleAfter(pos);
                        if (nextHole != null) {
                            limit = Math.min(limit, nextHole[0]);
                        }
                        int n = (int) (limit - pos);
                        readView(pos, buf, 0, n);
                        chunker.update(buf, 0, n, chunk -> {
                            if (resyncAt[0] >= 0) {
                                return; // past the resync point: these bytes are unchanged, keep the old refs
                            }
                            pins.add(putChunk(seg, chunk, emitted[0]));
                            emitted[0] += chunk.length;
                            if (canResync(emitted[0])) {
                                resyncAt[0] = emitted[0];
                            }
                        });
                        pos = limit;
                    }
                    if (resyncAt[0] >= 0) {
                        seg.oldEnd = resyncAt[0];
                        chunker.finish(chunk -> { }); // reset; bytes past the resync point are not needed
                        long r = resyncAt[0];
                        while (zi < zones.size() && zones.get(zi)[1] <= r && !(tail && zi == zones.size() - 1)) {
                            zi++;
                        }
                        done = true;
                    }
                }
            }
        }

        private ChunkId putChunk(Segment seg, byte[] chunk, long offset) throws IOException {
            ChunkId id = ctx.store().put(chunk, hintAt(offset));
            seg.refs.add(new ChunkRef(id, chunk.length));
            return id;
        }

        /**
         * The old chunk covering {@code offset}: the delta hint for the new chunk there (a file rewritten in place
         * or truncated and written again keeps most of its content near the same offsets).
         */
        private ChunkId hintAt(long offset) {
            if (offset >= committedSize) {
                return null;
            }
            var e = old.floorEntry(offset);
            return e == null || e.getValue().ref().isHole() ? null : e.getValue().ref().id();
        }

        private long[] holeAt(long pos) {
            for (long[] h : holes) {
                if (h[0] <= pos && pos < h[1]) {
                    return new long[] {pos, h[1]};
                }
            }
            return null;
        }

        private long[] nextHoleAfter(long pos) {
            for (long[] h : holes) {
                if (h[0] > pos) {
                    return h;
                }
            }
            return null;
        }
    }

    List<Placed> committedForTests() throws IOException {
        return Collections.unmodifiableList(committed());
    }
}
