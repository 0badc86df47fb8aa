package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The warm-up's read drill through PactFuse, without a mount: whole file per pass, errors surface. */
class ReadRehearsalTest {

    @TempDir
    Path dir;

    @Test
    void readsTheWholeFileOnEveryPassThroughTheFuseAdapter() throws Exception {
        try (TestRepo repo = new TestRepo(dir)) {
            int size = 3 * FuseMount.MAX_WRITE_BYTES + 12_345; // a short last request
            byte[] data = new byte[size];
            new Random(1).nextBytes(data);
            PactFs.Created c = repo.fs.create(PactFs.ROOT, "f".getBytes(StandardCharsets.UTF_8), 0644, PactFs.O_WRONLY,
                    Caller.ROOT);
            repo.fs.write(c.handle(), 0, data, 0, size);
            repo.fs.release(c.handle());

            long read = ReadRehearsal.readThrough(repo.fs, "/f", FuseMount.MAX_WRITE_BYTES, 3,
                    System.nanoTime() + 60_000_000_000L);
            assertEquals(3L * size, read);
            assertEquals(2L * size, ReadRehearsal.readThrough(repo.fs, "/f", 4000, 2, System.nanoTime() + 60_000_000_000L),
                    "small requests, not page-aligned");
            assertEquals(0, ReadRehearsal.readThrough(repo.fs, "/f", 4096, 3, System.nanoTime() - 1), "deadline passed");
        }
    }

    @Test
    void aMissingFileIsAnError() throws Exception {
        try (TestRepo repo = new TestRepo(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ReadRehearsal.readThrough(repo.fs, "/nope", 4096, 1, System.nanoTime() + 10_000_000_000L));
            assertTrue(e.getMessage().contains("open of /nope failed with errno 2"), e.getMessage());
        }
    }
}
