package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeltaCodecTest {

    @Test
    void a_delta_against_a_one_mebibyte_base_remembers_the_whole_base() {
        byte[] base = DeltaStoreTest.lines(1, 1 << 20);
        // The target repeats the END of the base: with default level-3 tables it would be forgotten.
        byte[] target = DeltaStoreTest.edited(Arrays.copyOfRange(base, base.length - 300_000, base.length), 2, 10);
        byte[] d = DeltaCodec.encode(base, target);
        assertTrue(d.length < 2_000, "delta is " + d.length + " bytes");
        assertArrayEquals(target, DeltaCodec.decode(base, d, 0, d.length, target.length));
    }

    @Test
    void a_delta_decodes_only_with_its_own_base() {
        byte[] base = DeltaStoreTest.lines(3, 100_000);
        byte[] target = DeltaStoreTest.edited(base, 4, 5);
        byte[] d = DeltaCodec.encode(base, target);
        byte[] other = DeltaStoreTest.lines(5, 100_000);
        byte[] wrong;
        try {
            wrong = DeltaCodec.decode(other, d, 0, d.length, target.length);
        } catch (IllegalArgumentException e) {
            return; // an error is fine too
        }
        assertFalse(Arrays.equals(target, wrong));
    }

    @Test
    void a_base_starting_with_the_dictionary_magic_is_refused() {
        byte[] base = DeltaStoreTest.lines(6, 10_000);
        base[0] = 0x37;
        base[1] = (byte) 0xA4;
        base[2] = 0x30;
        base[3] = (byte) 0xEC;
        assertFalse(DeltaCodec.usableBase(base));
        assertThrows(IllegalArgumentException.class, () -> DeltaCodec.encode(base, base));
    }

    @Test
    void the_window_covers_base_and_chunk() {
        assertEquals(20, DeltaCodec.windowLog(1000, 1000));
        assertEquals(21, DeltaCodec.windowLog(1 << 20, 1 << 20));
        assertEquals(22, DeltaCodec.windowLog(1 << 20, (1 << 20) + 1));
    }

    @Test
    void similar_chunks_share_a_super_feature_and_unrelated_ones_do_not() {
        byte[] a = DeltaStoreTest.lines(7, 256 << 10);
        byte[] b = DeltaStoreTest.edited(a, 8, 20);
        byte[] c = DeltaStoreTest.lines(9, 256 << 10);
        long[] fa = SuperFeatures.of(a);
        long[] fb = SuperFeatures.of(b);
        long[] fc = SuperFeatures.of(c);
        assertEquals(SuperFeatures.SUPER_FEATURES, fa.length);
        int same = 0;
        for (int i = 0; i < fa.length; i++) {
            if (fa[i] == fb[i]) {
                same++;
            }
            assertNotEquals(fa[i], fc[i]);
        }
        assertTrue(same >= 1, "shared super-features: " + same);
        assertEquals(null, SuperFeatures.of(new byte[100]));
    }

    @Test
    void the_delta_policy_keeps_small_deltas_and_rebases_large_ones() {
        assertEquals(DeltaPolicy.Verdict.DELTA, DeltaPolicy.judge(1_000, 70_000));
        assertEquals(DeltaPolicy.Verdict.REBASE, DeltaPolicy.judge(30_000, 70_000));
        assertEquals(DeltaPolicy.Verdict.FULL, DeltaPolicy.judge(70_000, 70_000));
    }
}
