package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
public class DeltaStoreTest {

    @TempDir
    Path dir;

    StoreFixture f;

    @BeforeEach
    void open() throws IOException {
        f = StoreFixture.create(dir);
    }

    @AfterEach
    void close() throws IOException {
        f.close();
    }

    /** Text-like lines, as a dump: zstd shrinks it about 3x, a few changed lines leave most of it equal. */
    public static byte[] lines(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] words = new String[512];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 3 + r.nextInt(8); k > 0; k--) {
                w.append((char) ('a' + r.nextInt(26)));
            }
            words[i] = w.toString();
        }
        StringBuilder sb = new StringBuilder(size + 200);
        int row = 0;
        while (sb.length() < size) {
            sb.append(row++).append('\t').append(r.nextInt(100_000)).append('\t');
            for (int k = 0; k < 8; k++) {
                sb.append(words[r.nextInt(words.length)]).append(' ');
            }
            sb.append('\n');
        }
        return sb.substring(0, size).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** {@code base} with {@code edits} short runs overwritten. */
    public static byte[] edited(byte[] base, long seed, int edits) {
        byte[] b = base.clone();
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length - 16);
            for (int k = 0; k < 12; k++) {
                b[at + k] = (byte) ('0' + r.nextInt(10));
            }
        }
        return b;
    }

    /** File chunks with an edge to a base, i.e. the delta chunks (what recover sees too). */
    public static List<ChunkId> deltaChunks(Tx tx) throws IOException {
        return new java.util.ArrayList<>(idPairs(tx,
                "SELECT b.parent, b.child FROM blob_children b JOIN chunks c ON c.id = b.parent WHERE c.kind = 1")
                .keySet());
    }

    /** The first two columns (ids) of every row of {@code sql}, as a map. */
    private static java.util.Map<ChunkId, ChunkId> idPairs(Tx tx, String sql) throws IOException {
        java.util.Map<ChunkId, ChunkId> out = new java.util.LinkedHashMap<>();
        try (var ps = tx.connection().prepareStatement(sql);
             var rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(ChunkId.of(rs.getBytes(1)), ChunkId.of(rs.getBytes(2)));
            }
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        return out;
    }

    /** The {@code delta_chunks} table: delta id -> base id (not the edge fallback a recovered catalog had). */
    public static java.util.Map<ChunkId, ChunkId> deltaRows(Tx tx) throws IOException {
        return idPairs(tx, "SELECT id, base_id FROM delta_chunks");
    }

    /** File chunks whose id prefix has super-features in the similarity index, in id order. */
    public static List<ChunkId> indexedFullChunks(Tx tx) throws IOException {
        java.util.Set<Long> prefixes = new java.util.HashSet<>();
        for (FeatureRun run : featureRuns(tx).values()) {
            for (int i = 0; i < run.size(); i++) {
                prefixes.add(run.prefixAt(i));
            }
        }
        return new java.util.ArrayList<>(idPairs(tx, "SELECT id, id FROM chunks WHERE kind = 1 ORDER BY id").keySet())
                .stream().filter(id -> prefixes.contains(FeatureRun.prefix(id))).toList();
    }

    /** The rows of the similarity index: hi -> run. */
    public static java.util.SortedMap<Long, FeatureRun> featureRuns(Tx tx) throws IOException {
        java.util.SortedMap<Long, FeatureRun> out = new java.util.TreeMap<>();
        try (var ps = tx.connection().prepareStatement("SELECT hi, entries FROM delta_features");
             var rs = ps.executeQuery()) {
            while (rs.next()) {
                out.put(rs.getLong(1), FeatureRun.decode(rs.getBytes(2)));
            }
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        return out;
    }

    /** Entries of the similarity index (3 per full chunk). */
    public static long featureEntries(Tx tx) throws IOException {
        return featureRuns(tx).values().stream().mapToLong(FeatureRun::size).sum();
    }

    private FeatureIndex.DeltaRow deltaRow(ChunkId id) throws IOException {
        return f.catalog.transaction(tx -> FeatureIndex.findDelta(tx, id));
    }

    @Test
    void a_near_duplicate_chunk_is_stored_as_a_small_delta_and_round_trips_byte_exact() throws IOException {
        byte[] base = lines(1, 300_000);
        byte[] next = edited(base, 2, 20);
        ChunkId b = f.store.put(base);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        long before = f.store.stats().storedBytesNew();
        ChunkId d = f.store.put(next);
        f.commitFile(2, List.of(new ChunkRef(d, next.length)));
        ChunkStore.StoreStats s = f.store.stats();
        assertEquals(1, s.deltasNew(), "found by the feature index without any hint");
        long deltaBytes = s.storedBytesNew() - before;
        assertTrue(deltaBytes < 3_000, "a 20-edit delta of a 300 kB chunk costs " + deltaBytes + " bytes");
        assertTrue(s.deltaBytesSaved() > 50_000, "saved " + s.deltaBytesSaved());
        FeatureIndex.DeltaRow row = deltaRow(d);
        assertNotNull(row);
        assertEquals(b, row.base());
        f = f.reopen(); // empty cache: get reads base and delta from the packs
        assertArrayEquals(next, f.store.get(d));
        assertArrayEquals(base, f.store.get(b));
        assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
    }

    @Test
    void the_hint_names_the_base_when_the_feature_index_would_not_find_it() throws IOException {
        byte[] base = lines(3, 200_000);
        // Heavily edited: too few features survive for a super-feature match, yet most bytes are equal.
        byte[] next = edited(base, 4, 500);
        assertTrue(java.util.Arrays.stream(SuperFeatures.of(base)).noneMatch(
                x -> java.util.Arrays.stream(SuperFeatures.of(next)).anyMatch(y -> y == x)), "no super-feature in common");
        ChunkId b = f.store.put(base);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        ChunkId d = f.store.put(next, b);
        f.commitFile(2, List.of(new ChunkRef(d, next.length)));
        FeatureIndex.DeltaRow row = deltaRow(d);
        assertNotNull(row, "stored as a delta");
        assertEquals(b, row.base());
        assertEquals(1, f.store.stats().deltaHintHits());
        f = f.reopen();
        assertArrayEquals(next, f.store.get(d));
    }

    @Test
    void a_delta_is_kept_only_when_smaller_than_plain_zstd() throws IOException {
        byte[] base = lines(5, 200_000);
        byte[] unrelated = lines(6, 200_000);
        ChunkId b = f.store.put(base);
        ChunkId u = f.store.put(unrelated, b);
        f.commitFile(1, List.of(new ChunkRef(b, base.length), new ChunkRef(u, unrelated.length)));
        assertNull(deltaRow(u), "an unrelated chunk is stored in full even with a hint");
        assertEquals(0, f.store.stats().deltasNew());
    }

    @Test
    void a_delta_is_never_a_base_so_chains_have_depth_one() throws IOException {
        byte[] v1 = lines(7, 250_000);
        byte[] v2 = edited(v1, 8, 10);
        byte[] v3 = edited(v2, 9, 10);
        ChunkId a = f.store.put(v1);
        ChunkId b = f.store.put(v2, a);
        ChunkId c = f.store.put(v3, b); // hint is a delta: resolved to its base
        f.commitFile(1, List.of(new ChunkRef(a, v1.length), new ChunkRef(b, v2.length), new ChunkRef(c, v3.length)));
        assertEquals(a, deltaRow(b).base());
        assertEquals(a, deltaRow(c).base(), "the delta of a delta's successor is made against the full base");
        assertEquals(2, deltaRow(c).generation());
        f = f.reopen();
        assertArrayEquals(v3, f.store.get(c));
    }

    @Test
    void a_deltas_base_is_never_freed_while_the_delta_lives() throws IOException {
        byte[] base = lines(10, 300_000);
        byte[] next = edited(base, 11, 30);
        byte[] other = edited(base, 12, 30);
        ChunkId b = f.store.put(base);
        ChunkId d = f.store.put(next);
        ChunkId d2 = f.store.put(other);
        assertNotNull(deltaRow(d));
        assertNotNull(deltaRow(d2));
        // Only the deltas are referenced by a file; the base only by their edges. Two deltas: rewriting them in
        // full would cost more than the base (DeltaRewriteTest covers the case where it pays).
        f.commitFile(1, List.of(new ChunkRef(d, next.length), new ChunkRef(d2, other.length)));
        f.store.unpin(List.of(b));
        ChunkStore.GcStats gc = f.store.collectGarbage();
        assertEquals(0, gc.chunksFreed());
        assertTrue(f.store.contains(b), "the base is kept for its deltas");
        assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
        f = f.reopen();
        assertArrayEquals(next, f.store.get(d));
        // Deleting the file frees the deltas, and then, cascading, the base.
        f.commitFile(1, List.of());
        gc = f.store.collectGarbage();
        assertEquals(3, gc.chunksFreed());
        assertFalse(f.store.contains(b));
        assertNull(deltaRow(d), "delta rows of freed chunks are swept");
        assertEquals(0, f.catalog.transaction(DeltaStoreTest::featureEntries), "feature entries of freed chunks are swept");
        assertTrue(f.store.check(true).clean());
    }

    @Test
    void flipping_a_byte_in_a_base_is_reported_as_corruption_of_the_delta_depending_on_it() throws IOException {
        byte[] base = lines(12, 300_000);
        byte[] next = edited(base, 13, 30);
        ChunkId b = f.store.put(base);
        ChunkId d = f.store.put(next);
        f.commitFile(1, List.of(new ChunkRef(b, base.length)));
        f.commitFile(2, List.of(new ChunkRef(d, next.length)));
        assertNotNull(deltaRow(d));
        ChunkIndex.Entry e = f.catalog.transaction(tx -> ChunkIndex.find(tx, b));
        f = f.reopen();
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("packs").resolve(e.packId() + ".pack").toFile(), "rw")) {
            long pos = e.packOffset() + 41 + 1000;
            raf.seek(pos);
            int x = raf.read();
            raf.seek(pos);
            raf.write(x ^ 0x01);
        }
        ChunkCorruptException ex = assertThrows(ChunkCorruptException.class, () -> f.store.get(d));
        assertTrue(ex.getMessage().contains(d.toHex()), "names the delta: " + ex.getMessage());
        assertTrue(ex.getMessage().contains(b.toHex()), "and its base: " + ex.getMessage());
        ChunkStore.CheckReport report = f.store.check(true);
        assertFalse(report.clean());
        String all = report.problems().toString();
        assertTrue(all.contains(b.toHex()) && all.contains(d.toHex()), all);
    }

    @Test
    void check_with_read_data_covers_delta_blobs() throws IOException {
        byte[] base = lines(14, 300_000);
        byte[] next = edited(base, 15, 30);
        ChunkId b = f.store.put(base);
        ChunkId d = f.store.put(next);
        f.commitFile(1, List.of(new ChunkRef(b, base.length), new ChunkRef(d, next.length)));
        ChunkIndex.Entry e = f.catalog.transaction(tx -> ChunkIndex.find(tx, d));
        f = f.reopen();
        ChunkStore.CheckReport clean = f.store.check(true);
        assertTrue(clean.clean(), clean.problems().toString());
        assertEquals(2, clean.chunks());
        try (RandomAccessFile raf = new RandomAccessFile(dir.resolve("packs").resolve(e.packId() + ".pack").toFile(), "rw")) {
            long pos = e.packOffset() + 41 + e.storedSize() / 2;
            raf.seek(pos);
            int x = raf.read();
            raf.seek(pos);
            raf.write(x ^ 0x01);
        }
        ChunkStore.CheckReport report = f.store.check(true);
        assertEquals(1, report.problems().size(), report.problems().toString());
        assertTrue(report.problems().get(0).contains(d.toHex()));
    }

    @Test
    void deltas_are_off_when_the_store_options_say_so() throws IOException {
        f.close();
        Catalog catalog = Catalog.open(dir, false);
        try (ChunkStore store = ChunkStores.open(dir, catalog, f.keys.blobCipher(), f.keys.blobIds(),
                new StoreOptions(16L << 20, 8L << 20, 2, false))) {
            byte[] base = lines(16, 200_000);
            store.put(base);
            store.put(edited(base, 17, 5));
            assertEquals(0, store.stats().deltasNew());
        } finally {
            catalog.close();
            f = StoreFixture.open(dir, f.keys);
        }
    }
}
