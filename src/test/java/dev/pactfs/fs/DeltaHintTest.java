package dev.pactfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeltaHintTest {

    @TempDir
    Path dir;
    TestRepo repo;

    @BeforeEach
    void open() throws IOException {
        repo = new TestRepo(dir);
    }

    @AfterEach
    void close() throws IOException {
        repo.close();
    }

    static byte[] dump(long seed, int rows, int changed) {
        Random r = new Random(seed);
        Random c = new Random(seed + 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            int balance = r.nextInt(100_000);
            if (changed > 0 && c.nextInt(rows) < changed) {
                balance = c.nextInt(100_000);
            }
            sb.append(i).append('\t').append(balance).append('\t');
            for (int k = 0; k < 6; k++) {
                sb.append("w").append(r.nextInt(700)).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private void writeAll(long fh, byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += 131072) {
            repo.fs.write(fh, off, data, off, Math.min(131072, data.length - off));
        }
    }

    @Test
    void a_file_truncated_and_written_again_is_stored_as_deltas_and_reads_back_exactly() throws IOException {
        byte[] v1 = dump(1, 20_000, 0);
        byte[] v2 = dump(1, 20_000, 40);
        PactFs.Created c = repo.fs.create(1, "db.sql".getBytes(StandardCharsets.UTF_8), 0644, 2, Caller.ROOT);
        writeAll(c.handle(), v1);
        repo.fs.release(c.handle());
        long ino = c.attr().ino();
        var before = repo.store.stats();

        long fh = repo.fs.open(ino, 2 | PactFs.O_TRUNC); // pg_dump > db.sql
        writeAll(fh, v2);
        repo.fs.flush(fh);
        repo.fs.release(fh);

        var after = repo.store.stats();
        long newChunks = after.chunksNew() - before.chunksNew();
        long deltas = after.deltasNew() - before.deltasNew();
        assertTrue(newChunks > 0);
        assertTrue(deltas >= newChunks / 2, deltas + " deltas of " + newChunks + " new chunks");
        assertTrue(after.deltaHintHits() > 0, "the old chunk at the same offset served as base");
        repo.reopen();
        byte[] got = new byte[v2.length];
        long rfh = repo.fs.open(ino, 0);
        for (int pos = 0; pos < got.length; ) {
            pos += repo.fs.read(rfh, pos, got, pos, Math.min(70_000, got.length - pos));
        }
        repo.fs.release(rfh);
        assertArrayEquals(v2, got);
        repo.assertStoreClean();
    }
}
