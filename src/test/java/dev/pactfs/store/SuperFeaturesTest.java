package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Super-features are stored in every catalog's feature index (part of the local format, {@link SuperFeatures#VERSION}):
 * the optimised sketch must give exactly what the definition in its class comment gives.
 */
class SuperFeaturesTest {

    /** The sketch written as plainly as its definition: one loop, every position tested. */
    private static long[] reference(byte[] data, int off, int len) {
        SplittableRandom r = new SplittableRandom(0x5e1f5ea7L);
        long[] gear = new long[256];
        for (int i = 0; i < 256; i++) {
            gear[i] = r.nextLong();
        }
        long[] mul = new long[SuperFeatures.FEATURES];
        long[] add = new long[SuperFeatures.FEATURES];
        for (int i = 0; i < SuperFeatures.FEATURES; i++) {
            mul[i] = r.nextLong() | 1;
            add[i] = r.nextLong();
        }
        long[] max = new long[SuperFeatures.FEATURES];
        java.util.Arrays.fill(max, Long.MIN_VALUE);
        long h = 0;
        for (int i = off; i < off + len; i++) {
            h = (h << 1) + gear[data[i] & 0xff];
            if ((h >>> (64 - SuperFeatures.SAMPLE_BITS)) == 0 && i - off >= 64) {
                for (int f = 0; f < SuperFeatures.FEATURES; f++) {
                    max[f] = Math.max(max[f], mul[f] * h + add[f]);
                }
            }
        }
        long[] sf = new long[SuperFeatures.SUPER_FEATURES];
        for (int s = 0; s < sf.length; s++) {
            long x = 0x9E3779B97F4A7C15L * (s + 1);
            for (int k = 0; k < SuperFeatures.FEATURES_PER_SUPER; k++) {
                x = splitMix(x ^ max[s * SuperFeatures.FEATURES_PER_SUPER + k]);
            }
            sf[s] = (x & 0x0FFF_FFFF_FFFF_FFFFL) | ((long) s << 60);
        }
        return sf;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Test
    void sketchEqualsTheDefinitionAtAnyOffsetAndLength() {
        SplittableRandom rnd = new SplittableRandom(6);
        byte[] data = new byte[4 << 20];
        rnd.nextBytes(data);
        // Low-entropy stretches too, where samples are rarer and maxima come from few positions.
        for (int i = 1 << 20; i < 2 << 20; i++) {
            data[i] = (byte) "INSERT INTO t VALUES (1, 'abc');\n".charAt(i % 33);
        }
        for (int round = 0; round < 300; round++) {
            int len = SuperFeatures.MIN_CHUNK + rnd.nextInt(round < 20 ? 70 : 1 << 20);
            int off = rnd.nextInt(data.length - len + 1);
            assertArrayEquals(reference(data, off, len), SuperFeatures.of(data, off, len), "off " + off + " len " + len);
        }
    }

    @Test
    void chunksBelowTheMinimumHaveNoSketch() {
        assertNull(SuperFeatures.of(new byte[SuperFeatures.MIN_CHUNK - 1]));
    }
}
