package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FeatureRunTest {

    private static List<Long> matches(byte[] run, long key) {
        List<Long> out = new ArrayList<>();
        FeatureRun.matches(run, key, out::add);
        return out;
    }

    private static byte[] encoded(FeatureRun run) {
        List<FeatureRun.Piece> p = run.pieces(FeatureRun.MAX_KEY);
        assertEquals(1, p.size());
        return p.get(0).entries();
    }

    @Test
    void entries_are_sorted_by_key_and_found_by_key_in_insertion_order() {
        FeatureRun run = FeatureRun.empty();
        assertTrue(run.add(30, 3, 32));
        assertTrue(run.add(10, 1, 32));
        assertTrue(run.add(30, 4, 32));
        assertTrue(run.add(20, 2, 32));
        assertFalse(run.add(30, 3, 32), "an entry already there is not added twice");
        byte[] b = encoded(run);
        assertEquals(4 * FeatureRun.ENTRY_BYTES, b.length);
        assertEquals(List.of(3L, 4L), matches(b, 30));
        assertEquals(List.of(1L), matches(b, 10));
        assertEquals(List.of(), matches(b, 15));
        assertEquals(List.of(), matches(b, 31));
        assertEquals(List.of(), matches(new byte[0], 10));
        FeatureRun back = FeatureRun.decode(b);
        assertEquals(4, back.size());
        assertEquals(10, back.keyAt(0));
        assertEquals(4, back.prefixAt(3));
    }

    @Test
    void a_key_keeps_its_newest_entries_only() {
        FeatureRun run = FeatureRun.empty();
        for (long p = 1; p <= 5; p++) {
            run.add(7, p, 3);
        }
        run.add(8, 100, 3);
        assertEquals(List.of(3L, 4L, 5L), matches(encoded(run), 7));
        assertEquals(List.of(100L), matches(encoded(run), 8));
    }

    @Test
    void full_width_keys_and_prefixes_survive_encoding() {
        FeatureRun run = FeatureRun.empty();
        long key = FeatureRun.key(-1L); // all ones: the largest key
        assertEquals(FeatureRun.MAX_KEY, key);
        byte[] id = new byte[32];
        java.util.Arrays.fill(id, (byte) 0xfe);
        long prefix = FeatureRun.prefix(ChunkId.of(id));
        assertEquals(0xfefe_fefe_fefeL, prefix);
        run.add(key, prefix, 32);
        assertEquals(List.of(prefix), matches(encoded(run), key));
    }

    @Test
    void id_bounds_enclose_exactly_the_ids_with_the_prefix() {
        byte[] lo = FeatureRun.idBound(0x0102_0304_05ffL, (byte) 0);
        byte[] hi = FeatureRun.idBound(0x0102_0304_05ffL, (byte) 0xff);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, (byte) 0xff, 0, 0}, java.util.Arrays.copyOf(lo, 8));
        assertEquals((byte) 0xff, hi[31]);
        assertEquals(0x0102_0304_05ffL, FeatureRun.prefix(lo));
        assertEquals(0x0102_0304_05ffL, FeatureRun.prefix(hi));
    }

    @Test
    void a_long_run_splits_between_keys_into_pieces_that_cover_its_whole_range() {
        SplittableRandom r = new SplittableRandom(5);
        FeatureRun run = FeatureRun.empty();
        List<long[]> all = new ArrayList<>();
        while (run.size() < 5 * FeatureRun.MAX_ENTRIES) {
            long key = r.nextLong(1000); // many repeated keys: cuts must move to key boundaries
            long prefix = r.nextLong(1L << 48);
            if (run.add(key, prefix, 32)) {
                all.add(new long[] {key, prefix});
            }
        }
        List<FeatureRun.Piece> pieces = run.pieces(5000);
        assertTrue(pieces.size() >= 5);
        assertEquals(5000, pieces.get(pieces.size() - 1).hi());
        long lo = Long.MIN_VALUE;
        int total = 0;
        for (FeatureRun.Piece p : pieces) {
            FeatureRun piece = FeatureRun.decode(p.entries());
            assertTrue(piece.size() <= FeatureRun.MAX_ENTRIES, "piece of " + piece.size());
            for (int i = 0; i < piece.size(); i++) {
                assertTrue(piece.keyAt(i) > lo && piece.keyAt(i) <= p.hi(), "key " + piece.keyAt(i) + " outside its piece");
            }
            lo = p.hi();
            total += piece.size();
        }
        assertEquals(run.size(), total);
        // Every entry is found in the piece a lookup goes to: the first whose hi is not below the key.
        for (long[] e : all) {
            FeatureRun.Piece home = pieces.stream().filter(p -> p.hi() >= e[0]).findFirst().orElseThrow();
            assertTrue(matches(home.entries(), e[0]).contains(e[1]));
        }
    }

    @Test
    void removing_entries_keeps_the_others() {
        FeatureRun run = FeatureRun.empty();
        for (long k = 0; k < 10; k++) {
            run.add(k, k % 3, 32);
        }
        assertEquals(4, run.removeIf(p -> p == 0));
        assertEquals(6, run.size());
        assertEquals(List.of(), matches(encoded(run), 3));
        assertEquals(List.of(1L), matches(encoded(run), 4));
    }
}
