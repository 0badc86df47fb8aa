package dev.pactfs.chunk;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/*
 * FastCDC with normalized chunking [1][2].
 *
 * Cut-point rule. Within a chunk, positions below minSize are not hashed at all: the gear hash
 * starts from zero at minSize, so those bytes cannot influence the cut. From minSize to avgSize a
 * cut needs (log2(avg) + 2) zero bits, from avgSize to maxSize only (log2(avg) - 2): the strict
 * mask makes early cuts rare, the loose one makes late cuts likely, which squeezes the size
 * distribution around avg ("normalization level 2" in [1]). At maxSize the cut is forced, which
 * is also what long runs of one byte value get. The chunk ends just after the byte whose hash
 * matched.
 *
 * Why the top bits. The gear update h = (h << 1) + G[b] lets bit k depend only on the last k + 1
 * bytes (carries run upward), so the masks take the top bits: the decision at a position then
 * depends on the preceding 64 bytes, which is the widest window this hash has. Because a byte's
 * contribution is shifted out after 64 steps, the decision at position >= minSize + 64 depends on
 * nothing but those 64 bytes; that is what lets an edit resynchronise within a chunk or two.
 *
 * Streaming. The hash state (fp) and the bytes of the current chunk (buf[0, fill)) survive between
 * update() calls, and the scan walks the caller's array directly, so a boundary never depends on
 * how the stream was split. Bytes are copied into buf only when a chunk straddles an update()
 * call; a chunk lying wholly inside one input array is copied once, straight into its own
 * exactly-sized array. A straddling chunk that reaches maxSize hands buf itself to the sink.
 * buf is allocated on first need, so a chunker for a file written in one piece never holds one.
 *
 * Failure. The chunk is detached before the sink sees it; if the sink throws, that chunk and the
 * rest of the update() are lost to the chunker, so the caller must treat the stream as broken.
 * Not thread-safe (see Chunker): the fs layer serialises writes per inode.
 *
 * [1] W. Xia et al., "FastCDC: a Fast and Efficient Content-Defined Chunking Approach for Data
 *     Deduplication", USENIX ATC 2016.
 * [2] W. Xia et al., "The Design of Fast Content-Defined Chunking for Data Deduplication Based
 *     Storage Systems", IEEE TPDS 31(9), 2020.
 */
final class FastCdcChunker implements Chunker {

    /** Mask bits added (early) or removed (late) around log2(avg): normalization level 2 of [1]. */
    static final int NORMALIZATION_BITS = 2;

    /** Max-size chunks past a plan's start without meeting it after which the plan is given up. */
    static final int GIVE_UP_CHUNKS = 64;

    private final int minSize;
    private final int avgSize;
    private final int maxSize;
    private final long maskStrict;
    private final long maskLoose;
    private final long[] gear;

    /** The current chunk's bytes so far, capacity maxSize; null until a chunk straddles an update. */
    private byte[] buf;
    /** Bytes of the current chunk held in buf. */
    private int fill;
    /** Gear hash over the current chunk's bytes from minSize on; zero before that. */
    private long fp;

    /** Cuts found ahead by a helper ({@link CutPlan}), or null. */
    private final CutPlan plan;
    /** Stream offset of the current chunk's first byte. */
    private long chunkStart;
    /** Index in {@link #plan} of the current chunk's start once a cut of ours was found there, else -1. */
    private int planIndex = -1;
    /** Length of the current chunk as the plan gives it, or -1 while the chunk is being hashed. */
    private int plannedLength = -1;

    FastCdcChunker(ChunkerParams params, GearTable table) {
        this(params, table, null);
    }

    FastCdcChunker(ChunkerParams params, GearTable table, CutPlan plan) {
        this.plan = plan;
        this.minSize = params.minSize();
        this.avgSize = params.avgSize();
        this.maxSize = params.maxSize();
        int avgBits = Integer.numberOfTrailingZeros(avgSize);
        this.maskStrict = topBits(Math.min(63, avgBits + NORMALIZATION_BITS));
        this.maskLoose = topBits(Math.max(1, avgBits - NORMALIZATION_BITS));
        this.gear = table.values();
    }

    private static long topBits(int n) {
        return -1L << (Long.SIZE - n);
    }

    @Override
    public void update(byte[] src, int off, int len, ChunkSink sink) throws IOException {
        Objects.checkFromIndexSize(off, len, src.length);
        int end = off + len;
        int pos = off;
        while (pos < end) {
            int take = Math.min(end - pos, maxSize - fill);
            int cut = plannedLength >= 0 ? (plannedLength - fill <= take ? plannedLength - fill : -1)
                    : findCut(src, pos, take);
            if (cut < 0) {
                ensureBuffer();
                System.arraycopy(src, pos, buf, fill, take);
                fill += take;
                return;
            }
            emit(src, pos, cut, sink);
            pos += cut;
        }
    }

    /**
     * Scans {@code src[pos, pos + take)} as the chunk's bytes {@code fill, fill + take)}, where
     * {@code fill + take <= maxSize}. Returns how many of those bytes end the chunk, or -1 if the
     * chunk goes on (fp then holds the hash after the last byte).
     */
    private int findCut(byte[] src, int pos, int take) {
        int hashFrom = Math.max(0, minSize - fill);
        if (hashFrom >= take) {
            return fill + take == maxSize ? take : -1;
        }
        int strictTo = Math.min(take, Math.max(hashFrom, avgSize - fill));
        int hit = scan(src, pos + hashFrom, pos + strictTo, maskStrict);
        if (hit < 0) {
            hit = scan(src, pos + Math.max(hashFrom, strictTo), pos + take, maskLoose);
        }
        if (hit >= 0) {
            return hit - pos;
        }
        if (fill + take == maxSize) {
            return take;
        }
        return -1;
    }

    /**
     * Runs the gear hash from fp over {@code src[from, to)}; returns the index just past the first
     * byte whose hash has none of {@code mask}'s bits set, or -1 with fp updated.
     *
     * <p>One byte per step on purpose: C2 turns the update into a single lea, so the loop is
     * bound by its handful of instructions per byte, not by the hash's serial chain; unrolling
     * to two or four bytes per step (FastCDC 2020's trick) measured 10-20% slower here.
     */
    private int scan(byte[] src, int from, int to, long mask) {
        long[] g = gear;
        long h = fp;
        for (int i = from; i < to; i++) {
            h = (h << 1) + g[src[i] & 0xff];
            if ((h & mask) == 0) {
                return i + 1;
            }
        }
        fp = h;
        return -1;
    }

    /** Emits the held bytes plus {@code src[pos, pos + n)} as one chunk and starts the next. */
    private void emit(byte[] src, int pos, int n, ChunkSink sink) throws IOException {
        byte[] chunk;
        if (fill == 0) {
            chunk = Arrays.copyOfRange(src, pos, pos + n);
        } else if (fill + n == maxSize) {
            System.arraycopy(src, pos, buf, fill, n);
            chunk = buf;
            buf = null;
        } else {
            chunk = Arrays.copyOf(buf, fill + n);
            System.arraycopy(src, pos, chunk, fill, n);
        }
        fill = 0;
        fp = 0;
        nextChunk(chunk.length);
        sink.accept(chunk);
    }

    /**
     * Bookkeeping at a cut {@code length} bytes after the chunk start. Until we meet the plan, each new chunk start
     * is looked up in it; once one is a plan cut, all later true cuts are plan cuts too (see CutPlan), so the index
     * just counts on. Then a new chunk takes its length from the plan when the helper has found its end, and is
     * hashed as usual when it has not. A plan length outside (0, maxSize] can only come from a stream that changed
     * under the helper: the plan is then dropped and hashing takes over.
     */
    private void nextChunk(int length) {
        chunkStart += length;
        plannedLength = -1;
        if (plan == null || plan.cancelled()) {
            return;
        }
        if (planIndex >= 0) {
            planIndex++;
        } else {
            int i = plan.indexOf(chunkStart);
            if (i < 0) {
                if (i == -1 && chunkStart - plan.start() > (long) maxSize * GIVE_UP_CHUNKS) {
                    // Out of step for this long (a run of one byte value, or a stream unlike the helper's):
                    // the helper only costs CPU now.
                    plan.cancel();
                }
                return;
            }
            planIndex = i;
        }
        long end = plan.cut(planIndex + 1);
        if (end < 0) {
            if (plan.scanned() < chunkStart) {
                plan.cancel(); // we have caught up with the helper: from here it would only hash what we hash
            }
            return;
        }
        long len = end - chunkStart;
        if (len <= 0 || len > maxSize) {
            plan.cancel();
            return;
        }
        plannedLength = (int) len;
    }

    private void ensureBuffer() {
        if (buf == null) {
            buf = new byte[maxSize];
        }
    }

    /**
     * Cut-only mode, for {@link CutPlan}'s helper: scans the next {@code len} bytes like {@link #update} but keeps
     * none of them and reports each chunk's length. An instance used this way must not also be used to chunk.
     */
    void scanCuts(byte[] src, int off, int len, java.util.function.IntConsumer chunkLengths) {
        Objects.checkFromIndexSize(off, len, src.length);
        int end = off + len;
        int pos = off;
        while (pos < end) {
            int take = Math.min(end - pos, maxSize - fill);
            int cut = findCut(src, pos, take);
            if (cut < 0) {
                fill += take;
                return;
            }
            chunkLengths.accept(fill + cut);
            fill = 0;
            fp = 0;
            pos += cut;
        }
    }

    @Override
    public void finish(ChunkSink sink) throws IOException {
        byte[] chunk = fill == 0 ? null : Arrays.copyOf(buf, fill);
        fill = 0;
        fp = 0;
        // The stream is over: a reused chunker starts a new stream at offset 0, without the plan.
        chunkStart = 0;
        plannedLength = -1;
        planIndex = -1;
        if (plan != null) {
            plan.cancel();
        }
        if (chunk != null) {
            sink.accept(chunk);
        }
    }

    @Override
    public int pending() {
        return fill;
    }
}
