package dev.pactfs.chunk;

import java.util.Arrays;

/*
 * Parallel chunking of one stream, with boundaries provably those of one sequential pass.
 *
 * A FastCDC cut depends only on the bytes since the previous cut (the hash restarts at every chunk).
 * So a second chunker started at an arbitrary offset S finds garbage cuts at first, but once it
 * makes a cut that is also a true cut (one of the sequential pass), every later cut it makes is
 * true too. A CutPlan holds that second chunker's cuts: a helper feeds it the stream from S on
 * (scan only, no bytes kept) while the stream's own chunker, starting at 0, cuts up to and past
 * S. As soon as one of the own chunker's cuts appears in the plan, the two agree from there on,
 * and the own chunker takes the plan's cuts instead of hashing (see FastCdcChunker#planned).
 * If they never meet (the helper is too slow, a run of one byte value keeps both at forced
 * max-size cuts with different phases until the end) the own chunker simply hashes everything:
 * slower, never different.
 *
 * The helper is the only writer, the stream's chunker the only reader; they meet under the
 * monitor, once per chunk (a few thousand times per GB), so a lock costs nothing measurable.
 * The cuts are kept to the end: 8 bytes per chunk of the planned part (16 MB for 1 TB of 256 KiB
 * chunks), which keeps the lookup a plain binary search.
 */

/**
 * The cuts a helper thread found in a stream from offset {@link #start()} on: a hint that lets the stream's own
 * {@link Chunker} skip hashing (see {@link Chunker#fastCdc(ChunkerParams, byte[], CutPlan)}). Thread-safe: one
 * helper feeds it, one chunker reads it.
 */
public final class CutPlan {

    private final long start;
    private final FastCdcChunker scanner;
    /** Stream offsets of the cuts found, ascending; {@code cuts[0]} is {@link #start} (the helper's chunk start). */
    private long[] cuts = new long[1024];
    private int count;
    /** Stream offset up to which the helper has scanned: every cut at or below it is in {@code cuts}. */
    private long scanned;
    private volatile boolean cancelled;

    /** A plan of the stream's cuts from offset {@code start} on, for a stream chunked with these parameters and seed. */
    public CutPlan(ChunkerParams params, byte[] cdcSeed, long start) {
        if (start < 0) {
            throw new IllegalArgumentException("negative start " + start);
        }
        this.start = start;
        this.scanner = new FastCdcChunker(params, GearTable.fromSeed(cdcSeed));
        this.cuts[0] = start;
        this.count = 1;
        this.scanned = start;
    }

    public long start() {
        return start;
    }

    /** Helper side: the next {@code len} bytes of the stream (from {@link #start()} on, in order). */
    public void feed(byte[] buf, int off, int len) {
        scanner.scanCuts(buf, off, len, this::addCut);
        synchronized (this) {
            scanned += len;
        }
    }

    private synchronized void addCut(int chunkLength) {
        if (count == cuts.length) {
            cuts = Arrays.copyOf(cuts, count * 2);
        }
        cuts[count] = cuts[count - 1] + chunkLength;
        count++;
    }

    /** Tells the helper to stop: the stream is done, or its chunker has passed the helper. */
    public void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** Result of {@link #indexOf} when the helper has not scanned far enough to know. */
    static final int UNKNOWN = -2;

    /**
     * Where {@code offset} is among the plan's cuts: its index, -1 when it is not a cut of the plan (before
     * {@link #start()}, or scanned and not cut), or {@link #UNKNOWN}.
     */
    synchronized int indexOf(long offset) {
        if (offset < start) {
            return -1;
        }
        int i = Arrays.binarySearch(cuts, 0, count, offset);
        if (i >= 0) {
            return i;
        }
        return offset <= scanned ? -1 : UNKNOWN;
    }

    /** The cut at {@code index}, or -1 when the helper has not found it (yet). */
    synchronized long cut(int index) {
        return index < count ? cuts[index] : -1;
    }

    /** How far the helper has scanned (a stream offset). */
    synchronized long scanned() {
        return scanned;
    }
}
