package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * One row of the similarity index ({@link FeatureIndex}): a sorted run of entries (feature key, chunk prefix), the
 * entries of one range of keys. Packing entries into runs is what keeps the index small: an H2 row costs ≈ 20
 * bytes of key, row header and page space before its payload, so one row per entry (as migration 5 had) cost more
 * in overhead than in content.
 *
 * <p>Entry: {@value #KEY_BYTES} bytes of key ({@link #key}: the super-feature's group and 36 bits of its hash),
 * then {@value #PREFIX_BYTES} bytes of chunk-id prefix ({@link #prefix}), big-endian, sorted by key; entries of
 * one key in insertion order (oldest first), at most {@link FeatureIndex#MAX_PER_FEATURE} of them. Truncation is
 * safe: a false match on either part only offers a worse base, which the delta policy then refuses or accepts on
 * its measured size (the delta frame names its base by the full id).
 */
final class FeatureRun {

    static final int KEY_BYTES = 5;
    static final int PREFIX_BYTES = 6;
    static final int ENTRY_BYTES = KEY_BYTES + PREFIX_BYTES;
    /** The largest key: the upper bound of the last run. */
    static final long MAX_KEY = (1L << (8 * KEY_BYTES)) - 1;
    /**
     * A run longer than this is split. Longer runs amortise the row overhead better but cost more to rewrite on
     * each insert (a run is rewritten whole); at 128 entries a run is ≤ 1.4 KB.
     */
    static final int MAX_ENTRIES = 128;
    /** Runs written by a split or a bulk load are filled to this, leaving room for inserts. */
    static final int FILL = MAX_ENTRIES * 3 / 4;

    private long[] keys;
    private long[] prefixes;
    private int n;

    private FeatureRun(long[] keys, long[] prefixes, int n) {
        this.keys = keys;
        this.prefixes = prefixes;
        this.n = n;
    }

    static FeatureRun empty() {
        return new FeatureRun(new long[16], new long[16], 0);
    }

    static FeatureRun decode(byte[] b) {
        int n = b.length / ENTRY_BYTES;
        long[] k = new long[n + 8];
        long[] p = new long[n + 8];
        for (int i = 0; i < n; i++) {
            k[i] = keyAt(b, i);
            p[i] = prefixAt(b, i);
        }
        return new FeatureRun(k, p, n);
    }

    /** The index key of super-feature {@code sf}: its top bits (group index, then hash; never negative). */
    static long key(long sf) {
        return sf >>> (64 - 8 * KEY_BYTES);
    }

    /** The first {@value #PREFIX_BYTES} bytes of {@code id} as a number. */
    static long prefix(ChunkId id) {
        return prefix(id.toBytes());
    }

    static long prefix(byte[] id) {
        long p = 0;
        for (int i = 0; i < PREFIX_BYTES; i++) {
            p = (p << 8) | (id[i] & 0xff);
        }
        return p;
    }

    /** The smallest (fill 0x00) or largest (fill 0xFF) 32-byte id starting with {@code prefix}. */
    static byte[] idBound(long prefix, byte fill) {
        byte[] id = new byte[32];
        java.util.Arrays.fill(id, PREFIX_BYTES, 32, fill);
        for (int i = PREFIX_BYTES - 1; i >= 0; i--) {
            id[i] = (byte) prefix;
            prefix >>>= 8;
        }
        return id;
    }

    /**
     * Adds the chunk prefixes stored under {@code key} in the encoded run {@code b} to {@code out}, without decoding
     * the run (binary search): this runs once per super-feature of every new chunk.
     */
    static void matches(byte[] b, long key, java.util.function.LongConsumer out) {
        int lo = 0;
        int hi = b.length / ENTRY_BYTES;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (keyAt(b, mid) < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        for (int i = lo; i < b.length / ENTRY_BYTES && keyAt(b, i) == key; i++) {
            out.accept(prefixAt(b, i));
        }
    }

    private static long keyAt(byte[] b, int i) {
        return read(b, i * ENTRY_BYTES, KEY_BYTES);
    }

    private static long prefixAt(byte[] b, int i) {
        return read(b, i * ENTRY_BYTES + KEY_BYTES, PREFIX_BYTES);
    }

    private static long read(byte[] b, int off, int len) {
        long v = 0;
        for (int i = 0; i < len; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    int size() {
        return n;
    }

    long keyAt(int i) {
        return keys[i];
    }

    long prefixAt(int i) {
        return prefixes[i];
    }

    /**
     * Adds an entry after those of the same key; returns false when it is there already (re-indexing is
     * idempotent). A key that then has more than {@code maxPerKey} entries loses its oldest: candidates beyond
     * that many are never all read, and the newest are the likeliest to be live and held locally.
     */
    boolean add(long key, long prefix, int maxPerKey) {
        int at = 0;
        while (at < n && keys[at] < key) {
            at++;
        }
        int first = at;
        for (; at < n && keys[at] == key; at++) {
            if (prefixes[at] == prefix) {
                return false;
            }
        }
        if (n == keys.length) {
            keys = java.util.Arrays.copyOf(keys, n * 2);
            prefixes = java.util.Arrays.copyOf(prefixes, n * 2);
        }
        System.arraycopy(keys, at, keys, at + 1, n - at);
        System.arraycopy(prefixes, at, prefixes, at + 1, n - at);
        keys[at] = key;
        prefixes[at] = prefix;
        n++;
        if (at + 1 - first > maxPerKey) {
            removeAt(first);
        }
        return true;
    }

    /** Drops the entries whose prefix {@code dead} accepts; returns how many. */
    int removeIf(LongPredicate dead) {
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (!dead.test(prefixes[i])) {
                keys[kept] = keys[i];
                prefixes[kept] = prefixes[i];
                kept++;
            }
        }
        int removed = n - kept;
        n = kept;
        return removed;
    }

    private void removeAt(int i) {
        System.arraycopy(keys, i + 1, keys, i, n - i - 1);
        System.arraycopy(prefixes, i + 1, prefixes, i, n - i - 1);
        n--;
    }

    /** A piece of a split run: its entries and the largest key it covers (its row key). */
    record Piece(long hi, byte[] entries) {
    }

    /**
     * This run, covering keys up to {@code hi}, as rows of at most {@link #MAX_ENTRIES} entries: itself when it
     * fits, else pieces of about {@link #FILL} entries cut between two keys (the entries of one key stay in one run,
     * so that one lookup finds them all). The last piece keeps {@code hi}; each other piece ends just below the
     * next one's first key.
     */
    List<Piece> pieces(long hi) {
        List<Piece> out = new ArrayList<>();
        int from = 0;
        while (n - from > MAX_ENTRIES) {
            int cut = from + FILL;
            // Move the cut to a key boundary: forward, else backward (a key has at most MAX_PER_FEATURE entries).
            int fwd = cut;
            while (fwd < n && keys[fwd] == keys[fwd - 1]) {
                fwd++;
            }
            if (fwd - from <= MAX_ENTRIES) {
                cut = fwd;
            } else {
                while (cut > from + 1 && keys[cut] == keys[cut - 1]) {
                    cut--;
                }
            }
            out.add(new Piece(keys[cut] - 1, encode(from, cut)));
            from = cut;
        }
        out.add(new Piece(hi, encode(from, n)));
        return out;
    }

    private byte[] encode(int from, int to) {
        byte[] b = new byte[(to - from) * ENTRY_BYTES];
        for (int i = from; i < to; i++) {
            int off = (i - from) * ENTRY_BYTES;
            write(b, off, KEY_BYTES, keys[i]);
            write(b, off + KEY_BYTES, PREFIX_BYTES, prefixes[i]);
        }
        return b;
    }

    private static void write(byte[] b, int off, int len, long v) {
        for (int i = len - 1; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }
}
