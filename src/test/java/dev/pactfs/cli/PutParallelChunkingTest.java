package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.chunk.Chunker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code put} of a file large enough for the helper thread ({@link CutPlanHelper}) stores the chunks of one
 * sequential pass over it, and gets it back intact.
 */
@Timeout(180)
class PutParallelChunkingTest {

    @TempDir
    Path tmp;

    @Test
    void putOfALargeFileStoresTheSequentialChunks() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key, "--chunk-sizes", "16/64/256").exit());
        byte[] data = new byte[(int) CutPlanHelper.MIN_FILE_BYTES + (8 << 20) + 12345];
        SplittableRandom rnd = new SplittableRandom(8);
        rnd.nextBytes(data);
        // A repeated stretch straddling the middle, where the helper starts.
        System.arraycopy(data, 0, data, data.length / 2 - (1 << 20), 2 << 20);
        Path file = Files.write(tmp.resolve("big.bin"), data);

        CliRun.Result put = CliRun.run("put", "--repo", repo, "--key-file", key, file.toString(), "big.bin");
        assertEquals(0, put.exit(), put.toString());
        Matcher m = Pattern.compile("new of (\\d+) chunks").matcher(put.err());
        assertTrue(m.find(), put.err());

        KeyOptions ko = new KeyOptions();
        ko.keyFile = Path.of(key);
        int sequential;
        try (OpenRepo r = OpenRepo.open(Path.of(repo), ko)) {
            Chunker c = r.newChunker();
            int[] n = {0};
            c.update(data, 0, data.length, chunk -> n[0]++);
            c.finish(chunk -> n[0]++);
            sequential = n[0];
        }
        assertTrue(sequential > 500, "enough chunks to matter: " + sequential);
        assertEquals(sequential, Integer.parseInt(m.group(1)), "chunks stored by put vs one sequential pass");

        Path back = tmp.resolve("back.bin");
        CliRun.Result get = CliRun.run("get", "--repo", repo, "--key-file", key, "big.bin", back.toString());
        assertEquals(0, get.exit(), get.toString());
        assertArrayEquals(data, Files.readAllBytes(back));
    }
}
