package dev.pactfs.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FastCdcChunkerTest {

    private static final int MIB = 1024 * 1024;
    private static final byte[] SEED = seed(1);

    /** Small chunks, so that a test stream holds thousands of boundaries. */
    private static final ChunkerParams SMALL = new ChunkerParams(2 * 1024, 8 * 1024, 64 * 1024);
    /** The smallest bounds ChunkerParams allows, to stress chunks straddling tiny pieces. */
    private static final ChunkerParams TINY = new ChunkerParams(64, 256, 1024);

    /** 64 MiB of pseudo-random bytes, shared because generating it dominates the run time. */
    private static byte[] random64;
    /** 32 MiB: half random, half repetitive text, the way dumps and tar files look. */
    private static byte[] mixed32;

    @BeforeAll
    static void makeData() {
        random64 = randomBytes(64 * MIB, 42);
        mixed32 = new byte[32 * MIB];
        System.arraycopy(random64, 0, mixed32, 0, 16 * MIB);
        byte[] text = semiRepetitive(16 * MIB, 7);
        System.arraycopy(text, 0, mixed32, 16 * MIB, text.length);
    }

    static Stream<ChunkerParams> paramSets() {
        return Stream.of(TINY, SMALL, new ChunkerParams(64 * 1024, 256 * 1024, MIB), ChunkerParams.DEFAULT);
    }

    @ParameterizedTest
    @MethodSource("paramSets")
    void boundariesDoNotDependOnPieceSizes(ChunkerParams params) throws IOException {
        byte[] data = params == TINY ? slice(mixed32, 15 * MIB, 2 * MIB) : mixed32;
        List<byte[]> oneShot = chunkAll(params, SEED, data);
        assertReassembles(data, oneShot);

        SplittableRandom rnd = new SplittableRandom(params.avgSize());
        // Log-uniform sizes from 1 byte to 4 MiB: mostly pieces around and below a chunk, some far above.
        int maxLog2 = 22;
        for (int round = 0; round < 3; round++) {
            List<byte[]> logUniform = chunkInPieces(params, data, () -> {
                int bits = rnd.nextInt(maxLog2 + 1);
                return 1 + rnd.nextInt(1 << bits);
            });
            assertSameChunks(oneShot, logUniform);
        }

        // Only pieces of a few bytes, on a stretch long enough to cross many boundaries.
        byte[] stretch = slice(data, data.length / 2 - 256 * 1024, 512 * 1024);
        List<byte[]> tinyPieces = chunkInPieces(params, stretch, () -> 1 + rnd.nextInt(7));
        assertSameChunks(chunkAll(params, SEED, stretch), tinyPieces);
    }

    @Test
    void insertingHundredBytesInTheMiddleChangesAtMostThreeChunks() throws IOException {
        byte[] inserted = randomBytes(100, 99);
        byte[] edited = new byte[random64.length + inserted.length];
        int at = random64.length / 2 + 12345;
        System.arraycopy(random64, 0, edited, 0, at);
        System.arraycopy(inserted, 0, edited, at, inserted.length);
        System.arraycopy(random64, at, edited, at + inserted.length, random64.length - at);

        for (ChunkerParams params : List.of(SMALL, ChunkerParams.DEFAULT)) {
            Set<ByteBuffer> before = hashes(chunkAll(params, SEED, random64));
            List<byte[]> after = chunkAll(params, SEED, edited);
            long unshared = after.stream().map(FastCdcChunkerTest::sha256).filter(h -> !before.contains(h)).count();
            assertTrue(unshared <= 3, params + ": " + unshared + " of " + after.size() + " chunks changed");
        }
    }

    @ParameterizedTest
    @MethodSource("paramSets")
    void chunkSizesRespectMinAndMaxExceptTheFinalChunk(ChunkerParams params) throws IOException {
        // Random, then text, then a long zero run (forced max cuts), then an odd tail.
        byte[] data = new byte[32 * MIB + 12345];
        System.arraycopy(mixed32, 0, data, 0, 20 * MIB);
        System.arraycopy(random64, 0, data, 30 * MIB, data.length - 30 * MIB);
        List<byte[]> chunks = chunkAll(params, SEED, data);
        assertReassembles(data, chunks);
        for (int i = 0; i < chunks.size() - 1; i++) {
            int n = chunks.get(i).length;
            assertTrue(n >= params.minSize() && n <= params.maxSize(), "chunk " + i + " has " + n + " bytes");
        }
        int last = chunks.get(chunks.size() - 1).length;
        assertTrue(last >= 1 && last <= params.maxSize(), "final chunk has " + last + " bytes");
    }

    @Test
    void longZeroRunsAreCutIntoIdenticalChunks() throws IOException {
        List<byte[]> chunks = chunkAll(SMALL, SEED, new byte[16 * MIB]);
        Set<ByteBuffer> distinct = hashes(chunks.subList(0, chunks.size() - 1));
        assertEquals(1, distinct.size());
        assertEquals(SMALL.maxSize(), chunks.get(0).length);
    }

    @Test
    void differentSeedsGiveDifferentBoundaries() throws IOException {
        byte[] data = slice(random64, 0, 16 * MIB);
        Set<Long> cutsA = cutOffsets(chunkAll(SMALL, seed(1), data));
        Set<Long> cutsB = cutOffsets(chunkAll(SMALL, seed(2), data));
        assertNotEquals(cutsA, cutsB);
        Set<Long> common = new HashSet<>(cutsA);
        common.retainAll(cutsB);
        // Coincidences happen (both hashes may match at one spot), but rarely.
        assertTrue(common.size() < cutsA.size() / 20, common.size() + " of " + cutsA.size() + " cuts shared");
    }

    @Test
    void sameSeedGivesSameBoundaries() throws IOException {
        byte[] data = slice(random64, 0, 4 * MIB);
        assertSameChunks(chunkAll(SMALL, seed(5), data), chunkAll(SMALL, seed(5).clone(), data));
    }

    @Test
    void emptyStreamGivesNoChunks() throws IOException {
        Chunker chunker = Chunker.fastCdc(SMALL, SEED);
        List<byte[]> out = new ArrayList<>();
        chunker.update(new byte[10], 3, 0, out::add);
        chunker.finish(out::add);
        chunker.finish(out::add);
        assertEquals(0, out.size());
        assertEquals(0, chunker.pending());
    }

    @ParameterizedTest
    @MethodSource("paramSets")
    void meanChunkSizeOnRandomDataIsWithinThirtyPercentOfTheAverage(ChunkerParams params) throws IOException {
        List<byte[]> chunks = chunkAll(params, SEED, random64);
        // The final chunk is cut by the end of the stream, not by the content.
        double mean = chunks.subList(0, chunks.size() - 1).stream().mapToInt(c -> c.length).average().orElseThrow();
        double ratio = mean / params.avgSize();
        assertTrue(ratio > 0.7 && ratio < 1.3, params + ": mean " + (long) mean + " bytes, " + ratio + " x avg");
    }

    @Test
    void pendingCountsHeldBytesAndTheChunkerIsReusableAfterFinish() throws IOException {
        byte[] data = slice(random64, 0, 3 * MIB);
        Chunker chunker = Chunker.fastCdc(SMALL, SEED);
        List<byte[]> first = new ArrayList<>();
        chunker.update(data, 0, 100, first::add);
        assertEquals(100, chunker.pending());
        chunker.finish(first::add);
        assertEquals(0, chunker.pending());
        assertEquals(1, first.size());

        List<byte[]> again = new ArrayList<>();
        chunker.update(data, 0, data.length, again::add);
        long emitted = again.stream().mapToLong(c -> c.length).sum();
        assertEquals(data.length - emitted, chunker.pending());
        chunker.finish(again::add);
        assertSameChunks(chunkAll(SMALL, SEED, data), again);
    }

    @Test
    void boundariesAreStableAcrossReleases() throws IOException {
        // Pins the gear-table derivation and the cut rule: changing either breaks dedup against every
        // existing repository, so it must be a deliberate format change, not an accident.
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) {
            seed[i] = (byte) i;
        }
        assertEquals(-4084683101150918791L, GearTable.fromSeed(seed).values()[0]);
        List<byte[]> chunks = chunkAll(SMALL, seed, randomBytes(256 * 1024, 1));
        assertEquals(List.of(5581, 8244, 8968, 5256, 8227, 3871, 12674, 10250, 7871, 8713, 8001, 10129, 8526, 9956, 2272,
                8539, 12643, 16916, 3120, 9962, 9655, 9583, 8870, 4360, 8658, 8206, 6556, 9695, 9235, 3215, 9805, 4587),
                chunks.stream().map(c -> c.length).toList());
    }

    @Test
    void shortOrMissingSeedIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Chunker.fastCdc(SMALL, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> Chunker.fastCdc(SMALL, null));
    }

    // --- helpers

    static List<byte[]> chunkAll(ChunkerParams params, byte[] seed, byte[] data) throws IOException {
        Chunker chunker = Chunker.fastCdc(params, seed);
        List<byte[]> out = new ArrayList<>();
        chunker.update(data, 0, data.length, out::add);
        chunker.finish(out::add);
        return out;
    }

    private static List<byte[]> chunkInPieces(ChunkerParams params, byte[] data, java.util.function.IntSupplier pieceSize)
            throws IOException {
        Chunker chunker = Chunker.fastCdc(params, SEED);
        List<byte[]> out = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = Math.min(pieceSize.getAsInt(), data.length - pos);
            chunker.update(data, pos, n, out::add);
            pos += n;
        }
        chunker.finish(out::add);
        return out;
    }

    private static void assertSameChunks(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.stream().map(c -> c.length).toList(), actual.stream().map(c -> c.length).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "chunk " + i);
        }
    }

    private static void assertReassembles(byte[] data, List<byte[]> chunks) {
        int pos = 0;
        for (byte[] c : chunks) {
            assertEquals(-1, java.util.Arrays.mismatch(c, 0, c.length, data, pos, pos + c.length), "chunk at " + pos);
            pos += c.length;
        }
        assertEquals(data.length, pos);
    }

    private static Set<Long> cutOffsets(List<byte[]> chunks) {
        return new HashSet<>(cutList(chunks));
    }

    /** The stream offset just past each chunk, in order. */
    static List<Long> cutList(List<byte[]> chunks) {
        List<Long> cuts = new java.util.ArrayList<>(chunks.size());
        long pos = 0;
        for (byte[] c : chunks) {
            pos += c.length;
            cuts.add(pos);
        }
        return cuts;
    }

    private static Set<ByteBuffer> hashes(List<byte[]> chunks) {
        Set<ByteBuffer> set = new HashSet<>();
        chunks.forEach(c -> set.add(sha256(c)));
        return set;
    }

    private static ByteBuffer sha256(byte[] chunk) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(chunk));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] seed(int n) {
        return randomBytes(32, 1000 + n);
    }

    private static byte[] slice(byte[] data, int from, int len) {
        return java.util.Arrays.copyOfRange(data, from, from + len);
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Text lines drawn from a small vocabulary with occasional edits: long repeats, low entropy. */
    static byte[] semiRepetitive(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] lines = new String[400];
        for (int i = 0; i < lines.length; i++) {
            StringBuilder sb = new StringBuilder();
            int words = 3 + rnd.nextInt(20);
            for (int w = 0; w < words; w++) {
                sb.append(Integer.toString(rnd.nextInt(1 << 20), 36)).append(w % 5 == 4 ? '\t' : ' ');
            }
            lines[i] = sb.append('\n').toString();
        }
        byte[] out = new byte[n];
        int pos = 0;
        while (pos < n) {
            byte[] line = lines[rnd.nextInt(lines.length)].getBytes(StandardCharsets.US_ASCII);
            if (rnd.nextInt(50) == 0) {
                line = (rnd.nextInt(1_000_000) + "," + new String(line, StandardCharsets.US_ASCII))
                        .getBytes(StandardCharsets.US_ASCII);
            }
            int len = Math.min(line.length, n - pos);
            System.arraycopy(line, 0, out, pos, len);
            pos += len;
        }
        return out;
    }
}
