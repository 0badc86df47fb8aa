package dev.pactfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.FileChunkLists;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The file-level API: a stream written through ContentWriter reads back byte-exact over any range. */
@Timeout(120)
class ContentRoundTripTest {

    static final ChunkerParams SMALL = new ChunkerParams(16 * 1024, 64 * 1024, 256 * 1024);

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

    private List<ChunkRef> write(byte[] data, SplittableRandom pieces) throws IOException {
        ContentWriter w = new ContentWriter(f.store, Chunker.fastCdc(SMALL, f.keys.cdcSeed()));
        int off = 0;
        while (off < data.length) {
            int n = Math.min(data.length - off, 1 + pieces.nextInt(200_000));
            w.write(data, off, n);
            off += n;
        }
        return w.finish();
    }

    @Test
    void anyRangeReadsBackWhatWasWritten() throws IOException {
        byte[] data = StoreFixture.compressible(1, 5_000_000);
        SplittableRandom r = new SplittableRandom(2);
        List<ChunkRef> refs = write(data, r);
        assertEquals(data.length, refs.stream().mapToLong(ChunkRef::length).sum());
        assertTrue(refs.size() > 20, "several chunks: " + refs.size());
        f.commitFile(5, refs);
        ContentReader reader = new ContentReader(f.store);
        for (int i = 0; i < 200; i++) {
            long from = r.nextLong(data.length + 10L);
            int len = r.nextInt(300_000);
            List<FileChunkLists.Placed> placed = f.catalog.transaction(tx -> FileChunkLists.range(tx, 5, from, from + len));
            byte[] got = new byte[len];
            int n = reader.read(placed, from, got, 0, len);
            int expected = (int) Math.max(0, Math.min(len, data.length - from));
            assertEquals(expected, n, "bytes read at " + from);
            assertArrayEquals(Arrays.copyOfRange(data, (int) Math.min(from, data.length), (int) Math.min(from, data.length) + n),
                    Arrays.copyOf(got, n), "range " + from + "+" + len);
        }
    }

    @Test
    void rewritingTheSameStreamStoresNothingNew() throws IOException {
        byte[] data = StoreFixture.random(3, 3_000_000);
        List<ChunkRef> first = write(data, new SplittableRandom(4));
        long stored = f.store.stats().storedBytesNew();
        List<ChunkRef> second = write(data, new SplittableRandom(5));
        assertEquals(first, second, "same boundaries whatever the write sizes");
        assertEquals(stored, f.store.stats().storedBytesNew());
    }

    @Test
    void holesReadAsZeros() throws IOException {
        byte[] data = StoreFixture.random(6, 1000);
        ChunkId id = f.store.put(data);
        f.commitFile(7, List.of(ChunkRef.hole(5000), new ChunkRef(id, 1000), ChunkRef.hole(10)));
        List<FileChunkLists.Placed> placed = f.catalog.transaction(tx -> FileChunkLists.range(tx, 7, 0, 6010));
        byte[] got = new byte[6010];
        assertEquals(6010, new ContentReader(f.store).read(placed, 0, got, 0, got.length));
        byte[] expected = new byte[6010];
        System.arraycopy(data, 0, expected, 5000, 1000);
        assertArrayEquals(expected, got);
    }
}
