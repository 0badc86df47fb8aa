package dev.pactfs.chunk;

import java.io.IOException;

/**
 * A streaming content-defined chunker for one byte stream.
 *
 * <p>Contract: the boundaries depend only on the bytes and the gear table, never on how the stream
 * was split into {@link #update} calls. Not thread-safe: one instance per stream.
 */
public interface Chunker {

    /**
     * Feeds the next {@code len} bytes of the stream; complete chunks go to {@code sink} as arrays of their own.
     * Keeps no reference to {@code buf}: the caller may reuse it as soon as this returns.
     */
    void update(byte[] buf, int off, int len, ChunkSink sink) throws IOException;

    /** Ends the stream: the last, possibly short, chunk goes to {@code sink}. The chunker may then be reused. */
    void finish(ChunkSink sink) throws IOException;

    /** Bytes fed since the last chunk was emitted (held inside the chunker). */
    int pending();

    /** A FastCDC chunker whose gear table is derived from {@code cdcSeed} (the repo's K_cdc). */
    static Chunker fastCdc(ChunkerParams params, byte[] cdcSeed) {
        return new FastCdcChunker(params, GearTable.fromSeed(cdcSeed));
    }

    /**
     * As {@link #fastCdc(ChunkerParams, byte[])}, taking cuts from {@code plan} (made with the same parameters and
     * seed over the same stream, offsets counted from this chunker's first byte) where it has them instead of
     * hashing: the same boundaries, with a helper thread doing part of the hashing. Cancels the plan at
     * {@link #finish}.
     */
    static Chunker fastCdc(ChunkerParams params, byte[] cdcSeed, CutPlan plan) {
        return new FastCdcChunker(params, GearTable.fromSeed(cdcSeed), plan);
    }
}
