package dev.pactfs.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A chunker helped by a {@link CutPlan} cuts exactly where the sequential chunker does, whatever the split point,
 * the pieces either side is fed in, how far the helper got and how it interleaves with the chunker.
 */
class CutPlanTest {

    private static final byte[] SEED = FastCdcChunkerTest.randomBytes(32, 77);
    private static final ChunkerParams SMALL = new ChunkerParams(2 * 1024, 8 * 1024, 64 * 1024);
    private static final ChunkerParams TINY = new ChunkerParams(64, 256, 1024);

    /** Random bytes, text, a long run of zeros (forced cuts, out of step until it ends) and a repeated block. */
    private static byte[] testData(int n, long seed) {
        byte[] data = new byte[n];
        SplittableRandom rnd = new SplittableRandom(seed);
        int pos = 0;
        while (pos < n) {
            int len = Math.min(n - pos, 1 + rnd.nextInt(n / 4));
            switch (rnd.nextInt(4)) {
                case 0 -> System.arraycopy(FastCdcChunkerTest.randomBytes(len, rnd.nextLong()), 0, data, pos, len);
                case 1 -> System.arraycopy(FastCdcChunkerTest.semiRepetitive(len, rnd.nextLong()), 0, data, pos, len);
                case 2 -> java.util.Arrays.fill(data, pos, pos + len, (byte) 0);
                default -> {
                    if (pos > 0) {
                        int from = rnd.nextInt(pos);
                        int m = Math.min(len, pos - from);
                        System.arraycopy(data, from, data, pos, m);
                        len = m;
                    }
                }
            }
            pos += len;
        }
        return data;
    }

    private static List<Long> sequentialCuts(ChunkerParams params, byte[] data) throws IOException {
        return FastCdcChunkerTest.cutList(FastCdcChunkerTest.chunkAll(params, SEED, data));
    }

    /** Feeds {@code data[from, to)} to {@code plan} in random pieces. */
    private static void feed(CutPlan plan, byte[] data, int from, int to, SplittableRandom rnd) {
        int pos = from;
        while (pos < to) {
            int n = Math.min(to - pos, 1 + rnd.nextInt(200_000));
            plan.feed(data, pos, n);
            pos += n;
        }
    }

    /** Chunks all of {@code data} in random pieces with a chunker following {@code plan}. */
    private static List<byte[]> chunkWithPlan(ChunkerParams params, byte[] data, CutPlan plan, SplittableRandom rnd)
            throws IOException {
        Chunker chunker = Chunker.fastCdc(params, SEED, plan);
        List<byte[]> out = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int n = Math.min(data.length - pos, 1 + rnd.nextInt(300_000));
            chunker.update(data, pos, n, out::add);
            pos += n;
        }
        chunker.finish(out::add);
        return out;
    }

    private static void assertSameChunks(byte[] data, List<Long> expectedCuts, List<byte[]> chunks) {
        assertEquals(expectedCuts, FastCdcChunkerTest.cutList(chunks));
        int pos = 0;
        for (byte[] c : chunks) {
            assertEquals(-1, java.util.Arrays.mismatch(c, 0, c.length, data, pos, pos + c.length), "bytes at " + pos);
            pos += c.length;
        }
    }

    @Test
    void completePlanGivesTheSequentialCutsForRandomDataAndSplitPoints() throws IOException {
        SplittableRandom rnd = new SplittableRandom(1);
        for (ChunkerParams params : List.of(TINY, SMALL, ChunkerParams.DEFAULT)) {
            for (int round = 0; round < 12; round++) {
                int n = params == ChunkerParams.DEFAULT ? 4 << 20 + rnd.nextInt(3) : 1 + rnd.nextInt(3 << 20);
                byte[] data = testData(n, rnd.nextLong());
                List<Long> expected = sequentialCuts(params, data);
                // Anywhere, including 0, the very end and just past a true cut.
                int start = switch (round % 4) {
                    case 0 -> 0;
                    case 1 -> data.length;
                    case 2 -> expected.get(rnd.nextInt(expected.size())).intValue();
                    default -> rnd.nextInt(data.length + 1);
                };
                CutPlan plan = new CutPlan(params, SEED, start);
                feed(plan, data, start, data.length, rnd);
                assertSameChunks(data, expected, chunkWithPlan(params, data, plan, rnd));
            }
        }
    }

    @Test
    void partialPlanGivesTheSequentialCuts() throws IOException {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int round = 0; round < 20; round++) {
            byte[] data = testData(1 + rnd.nextInt(2 << 20), rnd.nextLong());
            List<Long> expected = sequentialCuts(SMALL, data);
            int start = rnd.nextInt(data.length);
            int stop = start + rnd.nextInt(data.length - start + 1);
            CutPlan plan = new CutPlan(SMALL, SEED, start);
            feed(plan, data, start, stop, rnd); // the helper stopped (or was slow) at stop
            assertSameChunks(data, expected, chunkWithPlan(SMALL, data, plan, rnd));
        }
    }

    @Test
    void helperRunningConcurrentlyGivesTheSequentialCuts() throws Exception {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 10; round++) {
            byte[] data = testData(8 << 20, rnd.nextLong());
            List<Long> expected = sequentialCuts(SMALL, data);
            int start = data.length / 4 + rnd.nextInt(data.length / 2);
            CutPlan plan = new CutPlan(SMALL, SEED, start);
            long helperSeed = rnd.nextLong();
            Thread helper = new Thread(() -> {
                SplittableRandom hr = new SplittableRandom(helperSeed);
                for (int pos = start; pos < data.length && !plan.cancelled(); ) {
                    int n = Math.min(data.length - pos, 1 + hr.nextInt(100_000));
                    plan.feed(data, pos, n);
                    pos += n;
                }
            });
            helper.start();
            List<byte[]> chunks = chunkWithPlan(SMALL, data, plan, rnd);
            helper.join();
            assertSameChunks(data, expected, chunks);
            assertTrue(plan.cancelled(), "finish releases the helper");
        }
    }

    /**
     * Shows the plan is really followed once met (the tests above would also pass if it were ignored): a helper that
     * saw other bytes after the meeting point makes the chunker cut where those bytes would be cut.
     */
    @Test
    void chunkerFollowsThePlanOnceItMeetsIt() throws IOException {
        byte[] data = FastCdcChunkerTest.randomBytes(4 << 20, 9);
        List<Long> expected = sequentialCuts(SMALL, data);
        int start = 1 << 20;
        byte[] other = data.clone();
        System.arraycopy(FastCdcChunkerTest.randomBytes(1 << 20, 10), 0, other, 3 << 20, 1 << 20);
        CutPlan plan = new CutPlan(SMALL, SEED, start);
        plan.feed(other, start, other.length - start);
        List<Long> followed = FastCdcChunkerTest.cutList(chunkWithPlan(SMALL, data, plan, new SplittableRandom(4)));
        List<Long> otherCuts = sequentialCuts(SMALL, other);
        assertNotEquals(expected, followed);
        assertEquals(otherCuts.subList(0, otherCuts.size() - 1),
                followed.subList(0, followed.size() - 1), "cuts of the bytes the helper saw (the last one is the end)");
    }

    @Test
    void outOfStepPlanIsGivenUp() throws IOException {
        // The helper scans other bytes entirely: no meeting point, so after GIVE_UP_CHUNKS max sizes the chunker
        // cancels it, and hashes everything itself.
        ChunkerParams params = TINY;
        byte[] data = FastCdcChunkerTest.randomBytes(1 << 20, 11);
        CutPlan plan = new CutPlan(params, SEED, 0);
        byte[] other = FastCdcChunkerTest.randomBytes(1 << 20, 12);
        plan.feed(other, 0, other.length);
        List<byte[]> chunks = chunkWithPlan(params, data, plan, new SplittableRandom(5));
        assertSameChunks(data, sequentialCuts(params, data), chunks);
        assertTrue(plan.cancelled());
    }
}
