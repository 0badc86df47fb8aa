package dev.pactfs.store;

import java.util.SplittableRandom;

/**
 * Resemblance sketch of a chunk: {@value #FEATURES} features grouped into {@value #SUPER_FEATURES} super-features
 * (Shilane et al., "WAN optimized replication of backup datasets using stream-informed delta compression",
 * FAST'12). Two chunks that share a super-feature are very likely to share most of their content.
 *
 * <p>A gear rolling hash runs over the chunk (each value depends on the last 64 bytes). At sampled positions
 * (top {@value #SAMPLE_BITS} bits of the hash zero, 1 in 2^{@value #SAMPLE_BITS}) each of the N linear
 * transforms {@code m_i * h + a_i} (odd m_i: a permutation of 64-bit values) is applied and its maximum over the
 * chunk is feature i. A local edit changes a feature only when it moves that transform's maximum, so a chunk
 * with a few changed lines keeps most features; a super-feature is a hash of {@value #FEATURES_PER_SUPER}
 * consecutive features and matches when all of them do.
 *
 * <p>The gear table and transforms are fixed constants (not keyed): features are only ever stored in the local
 * catalog, which never leaves home. Changing them changes every super-feature (old chunks then stop being
 * found as bases, nothing else breaks), so they are part of the local format: {@link #VERSION}.
 */
final class SuperFeatures {

    static final int VERSION = 1;
    static final int FEATURES = 12;
    static final int FEATURES_PER_SUPER = 4;
    static final int SUPER_FEATURES = FEATURES / FEATURES_PER_SUPER;
    static final int SAMPLE_BITS = 6;
    /** Chunks shorter than this are not worth a delta (and have too few samples for a stable sketch). */
    static final int MIN_CHUNK = 4096;

    private static final long[] GEAR = new long[256];
    private static final long[] MUL = new long[FEATURES];
    private static final long[] ADD = new long[FEATURES];

    static {
        SplittableRandom r = new SplittableRandom(0x5e1f5ea7L);
        for (int i = 0; i < 256; i++) {
            GEAR[i] = r.nextLong();
        }
        for (int i = 0; i < FEATURES; i++) {
            MUL[i] = r.nextLong() | 1;
            ADD[i] = r.nextLong();
        }
    }

    private SuperFeatures() {
    }

    /** The super-features of {@code data}, or null when it is shorter than {@link #MIN_CHUNK}. */
    static long[] of(byte[] data) {
        return of(data, 0, data.length);
    }

    static long[] of(byte[] data, int off, int len) {
        if (len < MIN_CHUNK) {
            return null;
        }
        long[] max = new long[FEATURES];
        java.util.Arrays.fill(max, Long.MIN_VALUE);
        long h = 0;
        final long[] gear = GEAR;
        final int shift = 64 - SAMPLE_BITS;
        int end = off + len;
        // The first 64 bytes only warm the hash up (its value depends on the last 64 bytes). A loop of their own
        // keeps that test out of the hot loop, and the rare sample out of line: 1.00 -> 0.85 ns/byte (thread CPU
        // time, 256 MiB of the usrlib tar in 256 KiB chunks), the sketch being ~7% of a never-seen put's CPU.
        int warm = off + 64;
        for (int i = off; i < warm; i++) {
            h = (h << 1) + gear[data[i] & 0xff];
        }
        for (int i = warm; i < end; i++) {
            h = (h << 1) + gear[data[i] & 0xff];
            if ((h >>> shift) == 0) {
                sample(max, h);
            }
        }
        long[] sf = new long[SUPER_FEATURES];
        for (int s = 0; s < SUPER_FEATURES; s++) {
            long x = 0x9E3779B97F4A7C15L * (s + 1);
            for (int k = 0; k < FEATURES_PER_SUPER; k++) {
                x = mix(x ^ max[s * FEATURES_PER_SUPER + k]);
            }
            // The super-feature's index in the top bits keeps groups apart in one table column.
            sf[s] = (x & 0x0FFF_FFFF_FFFF_FFFFL) | ((long) s << 60);
        }
        return sf;
    }

    /** Feature i is the maximum over the sampled positions of {@code MUL[i] * h + ADD[i]}. */
    private static void sample(long[] max, long h) {
        for (int f = 0; f < FEATURES; f++) {
            // Signed comparison of (v ^ MIN) is unsigned comparison of v; signed order is as good a random order as
            // unsigned, so plain signed max is used.
            long v = MUL[f] * h + ADD[f];
            if (v > max[f]) {
                max[f] = v;
            }
        }
    }

    /** SplitMix64 finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
