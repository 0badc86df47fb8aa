package dev.pactfs.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

/**
 * The framing of a blob's plaintext before sealing: {@code codec(1) | body}. Codec 0: the body is the data as
 * is (it did not shrink); codec 1: the body is one zstd frame. The codec byte is inside the encryption.
 *
 * <p>Thread-safe: each thread keeps its own zstd context.
 */
final class Compression {

    static final byte RAW = 0;
    static final byte ZSTD = 1;
    /**
     * Codec 2: a delta, {@code baseId(32) | one zstd frame} made with the base chunk's plaintext as raw-content
     * dictionary ({@link DeltaCodec}). Only file chunks are ever deltas; only the store (which can read the base)
     * unframes them.
     */
    static final byte DELTA = 2;
    static final int DELTA_HEADER = 1 + 32;

    /** Frames a delta against {@code baseId}. */
    static byte[] frameDelta(byte[] baseId, byte[] zstdFrame) {
        byte[] out = new byte[DELTA_HEADER + zstdFrame.length];
        out[0] = DELTA;
        System.arraycopy(baseId, 0, out, 1, 32);
        System.arraycopy(zstdFrame, 0, out, DELTA_HEADER, zstdFrame.length);
        return out;
    }

    /** The base id of a delta frame, or null when {@code framed} is not one. */
    static byte[] deltaBase(byte[] framed) {
        if (framed.length < DELTA_HEADER || framed[0] != DELTA) {
            return null;
        }
        return java.util.Arrays.copyOfRange(framed, 1, DELTA_HEADER);
    }

    /** zstd level for new chunks: level 3 ≈ 230 MB/s per core at ratio 3.3 on tar data (FACTS.md). */
    static final int LEVEL = 3;

    private static final ThreadLocal<ZstdCompressCtx> CTX = ThreadLocal.withInitial(() -> {
        ZstdCompressCtx ctx = new ZstdCompressCtx();
        ctx.setLevel(LEVEL);
        return ctx;
    });

    /**
     * zstd level for chunks recompressed before they cross a capped WAN link ({@link ChunkStore#recompressForWan}):
     * on a plain-SQL dump in 256 KiB chunks, level 3 stores 30.1 %, level 9 28.2 % at ~45 MB/s per core, which a
     * 100 Mbit/s link (12.5 MB/s of compressed output) keeps pace with; level 12 was 27.1 % at 8 MB/s.
     */
    static final int WAN_LEVEL = 9;

    private static final ThreadLocal<ZstdCompressCtx> WAN_CTX = ThreadLocal.withInitial(() -> {
        ZstdCompressCtx ctx = new ZstdCompressCtx();
        ctx.setLevel(WAN_LEVEL);
        return ctx;
    });

    private Compression() {
    }

    /** A zstd frame of {@code plain} at {@link #WAN_LEVEL}, framed like {@link #frame} (codec byte first). */
    static byte[] frameForWan(byte[] plain) {
        int bound = (int) Zstd.compressBound(plain.length);
        byte[] out = new byte[1 + bound];
        int n = WAN_CTX.get().compressByteArray(out, 1, bound, plain, 0, plain.length);
        out[0] = ZSTD;
        return java.util.Arrays.copyOf(out, 1 + n);
    }

    /** Frames {@code plain}: compressed when that makes it smaller, raw otherwise. */
    static byte[] frame(byte[] plain) {
        FrameBuffer out = new FrameBuffer();
        frame(plain, out);
        return out.copy();
    }

    /**
     * As {@link #frame(byte[])} into {@code out}, which grows to the largest frame seen and is reused: a put worker
     * seals straight from it, so a new chunk costs neither a compressBound-sized array nor an exact-size copy
     * (2.7 GB of the 2 GB tar's garbage, and one memcpy of every stored byte).
     */
    static void frame(byte[] plain, FrameBuffer out) {
        int bound = (int) Zstd.compressBound(plain.length);
        byte[] buf = out.ensure(1 + bound);
        int n = CTX.get().compressByteArray(buf, 1, bound, plain, 0, plain.length);
        if (n < plain.length) {
            buf[0] = ZSTD;
            out.length = 1 + n;
            return;
        }
        buf[0] = RAW;
        System.arraycopy(plain, 0, buf, 1, plain.length);
        out.length = 1 + plain.length;
    }

    /** A reusable frame: {@code bytes[0, length)}. One per thread; the bytes are valid until the next frame call. */
    static final class FrameBuffer {
        /**
         * Largest buffer kept between frames: a chunk of up to 2 MiB. A bigger blob (a large tree) gets a buffer of
         * its own, which the next smaller frame drops, so a thread never holds more than its last big frame.
         */
        static final int KEEP_BYTES = (2 << 20) + 1024;

        byte[] bytes = new byte[0];
        int length;

        byte[] ensure(int capacity) {
            if (bytes.length < capacity || (bytes.length > KEEP_BYTES && capacity <= KEEP_BYTES)) {
                bytes = new byte[capacity];
            }
            return bytes;
        }

        byte[] copy() {
            return java.util.Arrays.copyOf(bytes, length);
        }
    }

    /** Undoes {@link #frame}; {@code plainSize} from the index. Throws IllegalArgumentException on bad input. */
    static byte[] unframe(byte[] framed, int plainSize) {
        if (framed.length < 1) {
            throw new IllegalArgumentException("empty frame");
        }
        if (plainSize < 0) {
            throw new IllegalArgumentException("plain size " + plainSize);
        }
        byte[] plain = new byte[plainSize];
        switch (framed[0]) {
            case RAW -> {
                if (framed.length - 1 != plainSize) {
                    throw new IllegalArgumentException("raw body is " + (framed.length - 1) + " bytes, index says " + plainSize);
                }
                System.arraycopy(framed, 1, plain, 0, plainSize);
            }
            case ZSTD -> {
                long n;
                try {
                    n = Zstd.decompressByteArray(plain, 0, plainSize, framed, 1, framed.length - 1);
                } catch (RuntimeException e) {
                    // zstd-jni throws ZstdException for some corrupt frames instead of returning an error code
                    // (StoreDecodersFuzzTest, unframe/found-zstd-src-size-incorrect): corrupt like any other.
                    throw new IllegalArgumentException("zstd: " + e.getMessage(), e);
                }
                if (Zstd.isError(n)) {
                    throw new IllegalArgumentException("zstd: " + Zstd.getErrorName(n));
                }
                if (n != plainSize) {
                    throw new IllegalArgumentException("decompressed " + n + " bytes, index says " + plainSize);
                }
            }
            case DELTA -> throw new IllegalArgumentException("delta frame: needs its base (LocalChunkStore)");
            default -> throw new IllegalArgumentException("unknown codec " + framed[0]);
        }
        return plain;
    }
}
