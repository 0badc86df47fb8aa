package dev.pactfs.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;

/**
 * zstd delta of a chunk against a base chunk: the base is loaded as a raw-content dictionary, so every run the
 * new chunk shares with it becomes a match into the dictionary. The result is one ordinary zstd frame that only
 * decodes with the same base.
 *
 * <p>Parameters decide everything here (issue 6): with level 3's default tables (hashLog 17, chainLog 16) a
 * 1 MiB base is mostly forgotten; the window must cover base + chunk, and hashLog/chainLog must be large enough
 * to index the whole base. We set windowLog = ceil(log2(base + chunk)) (at least 20), hashLog = chainLog =
 * 20 (21 and more made no delta smaller on pg_dump chunks but a 1 MiB chunk 3.5x slower; 18 made its delta
 * 15% larger). Measured on pg_dump nights in
 * {@code DeltaStudy}.
 *
 * <p>A base that begins with zstd's dictionary magic would be parsed as a trained dictionary instead of raw
 * content; such a base is refused ({@link #usableBase}), the chunk is then stored in full.
 *
 * <p>Thread-safe: each thread keeps its own contexts.
 */
final class DeltaCodec {

    /** zstd level of deltas; the overridden table sizes matter more than the level. */
    static final int LEVEL = 3;
    static final int MIN_TABLE_LOG = 20;
    /** Largest windowLog we ever ask for: 2^25 = 32 MiB covers two chunks of up to 16 MiB. */
    static final int MAX_WINDOW_LOG = 25;

    private static final ThreadLocal<ZstdCompressCtx> CCTX = ThreadLocal.withInitial(ZstdCompressCtx::new);
    private static final ThreadLocal<ZstdDecompressCtx> DCTX = ThreadLocal.withInitial(() -> {
        ZstdDecompressCtx d = new ZstdDecompressCtx();
        return d;
    });

    private DeltaCodec() {
    }

    /** Whether zstd would read {@code base} as raw content (it is not empty and lacks the dictionary magic). */
    static boolean usableBase(byte[] base) {
        if (base.length < 8) {
            return false;
        }
        // ZSTD_MAGIC_DICTIONARY 0xEC30A437, little-endian.
        return !((base[0] & 0xff) == 0x37 && (base[1] & 0xff) == 0xA4 && (base[2] & 0xff) == 0x30
                && (base[3] & 0xff) == 0xEC);
    }

    static int windowLog(int baseLength, int targetLength) {
        long total = (long) baseLength + targetLength;
        int log = 64 - Long.numberOfLeadingZeros(Math.max(1, total - 1));
        return Math.min(MAX_WINDOW_LOG, Math.max(MIN_TABLE_LOG, log));
    }

    /** The zstd frame of {@code target} with {@code base} as dictionary. */
    static byte[] encode(byte[] base, byte[] target) {
        if (!usableBase(base)) {
            throw new IllegalArgumentException("base is not usable as a raw-content dictionary");
        }
        ZstdCompressCtx c = CCTX.get();
        c.reset();
        int wlog = windowLog(base.length, target.length);
        c.setLevel(LEVEL);
        c.setWindowLog(wlog);
        // 20, not windowLog: on pg_dump chunks 21 made no delta smaller and a 1 MiB chunk 3.5x slower to encode
        // (37 ms vs 10 ms per chunk, EncBench-style measurement 2026-11-26); below 20 deltas of 1 MiB chunks grow.
        c.setHashLog(MIN_TABLE_LOG);
        c.setChainLog(MIN_TABLE_LOG);
        c.setChecksum(false);
        c.setContentSize(true);
        c.setDictID(false);
        c.loadDict(base);
        int bound = (int) Zstd.compressBound(target.length);
        byte[] out = new byte[bound];
        int n = c.compressByteArray(out, 0, bound, target, 0, target.length);
        c.reset(); // drops the dictionary copy
        return java.util.Arrays.copyOf(out, n);
    }

    /** Undoes {@link #encode}; throws IllegalArgumentException when the frame does not decode to {@code plainSize}. */
    static byte[] decode(byte[] base, byte[] frame, int frameOff, int frameLen, int plainSize) {
        ZstdDecompressCtx d = DCTX.get();
        d.reset();
        d.setMagicless(false);
        d.loadDict(base);
        {
            byte[] plain = new byte[plainSize];
            int n;
            try {
                n = d.decompressByteArray(plain, 0, plainSize, frame, frameOff, frameLen);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("zstd delta: " + e.getMessage(), e);
            }
            if (n != plainSize) {
                throw new IllegalArgumentException("delta decoded to " + n + " bytes, index says " + plainSize);
            }
            d.reset();
            return plain;
        }
    }
}
