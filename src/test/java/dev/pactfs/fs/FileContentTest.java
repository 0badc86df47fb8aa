package dev.pactfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.SequentialReads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class FileContentTest {

    @TempDir
    Path dir;
    TestRepo repo;

    @BeforeEach
    void setUp() throws IOException {
        repo = new TestRepo(dir);
    }

    @AfterEach
    void tearDown() throws IOException {
        repo.close();
    }

    static byte[] name(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    byte[] readAll(long ino) throws IOException {
        PactFs fs = repo.fs;
        long size = fs.getattr(ino).size();
        byte[] out = new byte[(int) size];
        long fh = fs.open(ino, 0);
        try {
            int pos = 0;
            while (pos < out.length) {
                int n = fs.read(fh, pos, out, pos, Math.min(70_000, out.length - pos));
                if (n <= 0) {
                    throw new AssertionError("short read at " + pos + " of " + size);
                }
                pos += n;
            }
            assertEquals(0, fs.read(fh, size, new byte[10], 0, 10));
        } finally {
            fs.release(fh);
        }
        return out;
    }

    long createWith(String n, byte[] data, int piece) throws IOException {
        PactFs.Created c = repo.fs.create(1, name(n), 0644, 2, Caller.ROOT);
        for (int off = 0; off < data.length; off += piece) {
            repo.fs.write(c.handle(), off, data, off, Math.min(piece, data.length - off));
        }
        repo.fs.flush(c.handle());
        repo.fs.release(c.handle());
        return c.attr().ino();
    }

    @Test
    void aSequentialReaderLeavesWhatItReadOutOfTheCacheAndRereadsItExactly() throws IOException {
        int size = (int) (3 * SequentialReads.SEQUENTIAL_SLACK);
        byte[] data = random(11, size);
        long ino = createWith("seq", data, 128 << 10);
        repo.reopen(); // an empty chunk cache
        assertArrayEquals(data, readAll(ino)); // front to back, in 70 000-byte reads
        long fh = repo.fs.open(ino, 0);
        try {
            byte[] piece = new byte[4096];
            ChunkStore.StoreStats before = repo.store.stats();
            repo.fs.read(fh, size - piece.length, piece, 0, piece.length); // within the slack: still cached
            ChunkStore.StoreStats tail = repo.store.stats();
            assertEquals(before.cacheMisses(), tail.cacheMisses(), "the tail is still cached");
            assertArrayEquals(Arrays.copyOfRange(data, size - piece.length, size), piece);
            // Far behind: released, so loaded again. One byte at offset 1: inside the first chunk whatever its cut (at
            // least 2 KiB), and not a sequential read (offset 0 would be), which would prefetch the chunks after it
            // and make the count racy.
            byte[] one = new byte[1];
            repo.fs.read(fh, 1, one, 0, 1);
            assertEquals(tail.cacheMisses() + 1, repo.store.stats().cacheMisses(), "the head was released");
            assertEquals(data[1], one[0]);
        } finally {
            repo.fs.release(fh);
        }
    }

    @Test
    void sequentiallyWrittenFileReadsBackAfterRemount() throws IOException {
        byte[] data = random(1, 1_000_003);
        long ino = createWith("seq", data, 131072);
        assertArrayEquals(data, readAll(ino));
        repo.reopen();
        assertEquals(ino, repo.fs.lookup(1, name("seq")));
        assertEquals(data.length, repo.fs.getattr(ino).size());
        assertArrayEquals(data, readAll(ino));
        repo.assertStoreClean();
    }

    @Test
    void pendingStreamedBytesAreReadableBeforeFlush() throws IOException {
        byte[] data = random(2, 300_000);
        PactFs.Created c = repo.fs.create(1, name("f"), 0644, 2, Caller.ROOT);
        repo.fs.write(c.handle(), 0, data, 0, 200_000);
        byte[] got = new byte[1000];
        assertEquals(500, repo.fs.read(c.handle(), 199_500, got, 0, 1000));
        assertArrayEquals(Arrays.copyOfRange(data, 199_500, 200_000), Arrays.copyOf(got, 500));
        repo.fs.write(c.handle(), 200_000, data, 200_000, 100_000);
        repo.fs.release(c.handle());
        assertArrayEquals(data, readAll(c.attr().ino()));
        repo.assertStoreClean();
    }

    @Test
    void appendToAnOldFileKeepsTheChunkBoundariesOfOneStream() throws IOException {
        byte[] data = random(3, 500_000);
        long ino = createWith("a", Arrays.copyOf(data, 250_000), 65536);
        long fh = repo.fs.open(ino, 2 | PactFs.O_APPEND);
        repo.fs.write(fh, 0, data, 250_000, 250_000);
        repo.fs.release(fh);
        long ino2 = createWith("b", data, 65536);
        assertArrayEquals(data, readAll(ino));
        OpenFileLists lists = new OpenFileLists(repo);
        assertEquals(lists.refs(ino2), lists.refs(ino));
    }

    /** Reads the committed chunk list of an inode. */
    record OpenFileLists(TestRepo repo) {
        List<dev.pactfs.store.ChunkRef> refs(long ino) throws IOException {
            return repo.catalog.transaction(tx -> dev.pactfs.store.FileChunkLists.load(tx, ino));
        }
    }

    @Test
    void randomWritesTruncatesAndFlushesMatchAPlainByteArray() throws IOException {
        Random rnd = new Random(42);
        byte[] model = random(4, 400_000);
        long ino = createWith("r", model, 131072);
        long fh = repo.fs.open(ino, 2);
        for (int step = 0; step < 400; step++) {
            int op = rnd.nextInt(10);
            if (op < 5) {
                int off = rnd.nextInt(model.length + 20_000);
                int len = 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 40_000);
                byte[] b = random(rnd.nextLong(), len);
                repo.fs.write(fh, off, b, 0, len);
                if (off + len > model.length) {
                    model = Arrays.copyOf(model, off + len);
                }
                System.arraycopy(b, 0, model, off, len);
            } else if (op == 5) {
                int size = rnd.nextInt(model.length + 100_000);
                repo.fs.ftruncate(fh, size);
                model = Arrays.copyOf(model, size);
            } else if (op == 6) {
                repo.fs.write(fh, model.length, new byte[] {7}, 0, 1);
                model = Arrays.copyOf(model, model.length + 1);
                model[model.length - 1] = 7;
            } else if (op < 9) {
                int off = rnd.nextInt(model.length + 1);
                int len = rnd.nextInt(50_000);
                byte[] got = new byte[len];
                int n = repo.fs.read(fh, off, got, 0, len);
                int expect = Math.max(0, Math.min(len, model.length - off));
                assertEquals(expect, n, "read length at step " + step);
                assertArrayEquals(Arrays.copyOfRange(model, off, off + expect), Arrays.copyOf(got, n),
                        "read at step " + step);
            } else {
                repo.fs.flush(fh);
                assertEquals(model.length, repo.fs.getattr(ino).size());
            }
        }
        repo.fs.release(fh);
        assertArrayEquals(model, readAll(ino));
        repo.reopen();
        assertArrayEquals(model, readAll(ino));
        repo.assertStoreClean();
    }

    @Test
    void truncateUpMakesAHoleThatReadsAsZerosAndCostsNoChunk() throws IOException {
        long ino = createWith("h", name("hello"), 100);
        repo.fs.truncate(ino, 3L << 30);
        assertEquals(3L << 30, repo.fs.getattr(ino).size());
        long fh = repo.fs.open(ino, 0);
        byte[] b = new byte[10];
        assertEquals(10, repo.fs.read(fh, 2L << 30, b, 0, 10));
        assertArrayEquals(new byte[10], b);
        assertEquals(7, repo.fs.read(fh, 0, b, 0, 7));
        assertArrayEquals(name("hello\0\0"), Arrays.copyOf(b, 7));
        repo.fs.release(fh);
        fh = repo.fs.open(ino, 2);
        repo.fs.write(fh, (3L << 30) - 1, new byte[] {9}, 0, 1);
        repo.fs.write(fh, 1L << 30, new byte[] {8}, 0, 1);
        repo.fs.release(fh);
        fh = repo.fs.open(ino, 0);
        assertEquals(1, repo.fs.read(fh, (3L << 30) - 1, b, 0, 10));
        assertEquals(9, b[0]);
        assertEquals(2, repo.fs.read(fh, (1L << 30) - 1, b, 0, 2));
        assertArrayEquals(new byte[] {0, 8}, Arrays.copyOf(b, 2));
        repo.fs.release(fh);
        repo.assertStoreClean();
    }

    @Test
    void overwriteInTheMiddleOfABigFileReusesTheUnchangedChunks() throws IOException {
        byte[] data = random(5, 2_000_000);
        long ino = createWith("big", data, 131072);
        List<dev.pactfs.store.ChunkRef> before = new OpenFileLists(repo).refs(ino);
        long fh = repo.fs.open(ino, 2);
        repo.fs.write(fh, 1_000_000, new byte[] {1, 2, 3}, 0, 3);
        repo.fs.release(fh);
        data[1_000_000] = 1;
        data[1_000_001] = 2;
        data[1_000_002] = 3;
        assertArrayEquals(data, readAll(ino));
        List<dev.pactfs.store.ChunkRef> after = new OpenFileLists(repo).refs(ino);
        long same = after.stream().filter(before::contains).count();
        org.junit.jupiter.api.Assertions.assertTrue(same >= before.size() - 4,
                "only " + same + " of " + before.size() + " chunks kept");
        repo.assertStoreClean();
    }

    @Test
    void utimensWhileOpenWinsOverEarlierWritesAndALaterWriteMovesMtimeAgain() throws IOException {
        PactFs fs = repo.fs;
        PactFs.Created c = fs.create(PactFs.ROOT, name("t"), 0644, 1, Caller.ROOT);
        long fh = c.handle();
        long ino = c.attr().ino();
        fs.write(fh, 0, random(1, 300_000), 0, 300_000);
        fs.utimens(ino, 1_000_000_123L, 2_000_000_456L);
        fs.flush(fh);
        assertEquals(2_000_000_456L, fs.getattr(ino).mtimeNs());
        fs.release(fh);
        assertEquals(2_000_000_456L, fs.getattr(ino).mtimeNs());
        assertEquals(300_000, fs.getattr(ino).size());
        long fh2 = fs.open(ino, 2);
        fs.write(fh2, 10, random(2, 10), 0, 10);
        fs.utimens(ino, PactFs.TIME_OMIT, 3_000_000_789L);
        fs.release(fh2);
        assertEquals(3_000_000_789L, fs.getattr(ino).mtimeNs());
        long fh3 = fs.open(ino, 2);
        fs.write(fh3, 10, random(3, 10), 0, 10);
        fs.release(fh3);
        assertTrue(fs.getattr(ino).mtimeNs() > 3_000_000_789L);
    }
}
