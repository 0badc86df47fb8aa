package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class LocalChunkStoreTest {

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

    @Test
    void putThenGetReturnsTheSameBytes() throws IOException {
        for (int size : new int[] {1, 100, 65_535, 65_536, 65_537, 1 << 20, (4 << 20) + 1}) {
            byte[] data = StoreFixture.compressible(size, size);
            ChunkId id = f.store.put(data);
            assertEquals(f.keys.chunkIdHasher().hash(data), id, "id is the keyed hash of the plaintext");
            assertArrayEquals(data, f.store.get(id));
        }
    }

    @Test
    void recompressingForTheWanShrinksTextChunksKeepsTheirBytesAndSurvivesReopen() throws IOException {
        List<ChunkId> ids = new java.util.ArrayList<>();
        List<byte[]> chunks = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] sql = StoreFixture.accountsCopy(i, 256 << 10);
            chunks.add(sql);
            ids.add(f.store.put(sql));
        }
        byte[] random = new byte[256 << 10];
        new java.util.Random(9).nextBytes(random); // stored raw: left alone
        chunks.add(random);
        ids.add(f.store.put(random));
        f.store.unpin(ids);
        long packsBefore = packBytes();
        long saved = f.store.recompressForWan(ids);
        assertTrue(saved > 0, "level 9 beats level 3 on SQL text: saved " + saved);
        assertTrue(packBytes() > packsBefore, "the new records are appended; the old become garbage");
        assertEquals(0, f.store.recompressForWan(ids), "a second time finds nothing more to gain");
        for (int i = 0; i < ids.size(); i++) {
            assertArrayEquals(chunks.get(i), f.store.get(ids.get(i)));
        }
        f = f.reopen();
        for (int i = 0; i < ids.size(); i++) {
            assertArrayEquals(chunks.get(i), f.store.get(ids.get(i)));
        }
        ChunkStore.CheckReport c = f.store.check(true);
        assertTrue(c.clean(), c.problems().toString());
    }

    @Test
    void knownChunkIsStoredOnce() throws IOException {
        byte[] data = StoreFixture.compressible(1, 1 << 20);
        ChunkId a = f.store.put(data);
        long packBytes = packBytes();
        ChunkId b = f.store.put(data.clone());
        assertEquals(a, b);
        assertEquals(packBytes, packBytes(), "a known chunk adds nothing to the packs");
        assertEquals(1, f.store.stats().chunksNew());
        assertEquals(2, f.store.stats().chunksPut());
    }

    @Test
    void compressibleChunkIsStoredSmallerAndIncompressibleRaw() throws IOException {
        f.store.put(StoreFixture.compressible(2, 1 << 20));
        long compressed = f.store.stats().storedBytesNew();
        assertTrue(compressed < (1 << 20) * 0.7, "compressible chunk shrank: " + compressed);
        f.store.put(StoreFixture.random(3, 1 << 20));
        long raw = f.store.stats().storedBytesNew() - compressed;
        assertEquals((1 << 20) + 1 + 29, raw, "incompressible chunk is stored raw: codec byte + AEAD overhead");
    }

    @Test
    void contentSurvivesReopen() throws IOException {
        byte[] data = StoreFixture.random(4, 300_000);
        ChunkId id = f.store.put(data);
        f.commitFile(10, List.of(new ChunkRef(id, data.length)));
        f = f.reopen();
        assertArrayEquals(data, f.store.get(id));
        assertTrue(f.store.check(true).clean());
    }

    @Test
    void flippedByteInPackIsReportedAsCorruptChunkNamingIt() throws IOException {
        byte[] data = StoreFixture.compressible(5, 500_000);
        ChunkId id = f.store.put(data);
        f.commitFile(10, List.of(new ChunkRef(id, data.length)));
        f = f.reopen(); // empty the cache
        Path pack = onlyPack();
        try (RandomAccessFile raf = new RandomAccessFile(pack.toFile(), "rw")) {
            long pos = raf.length() / 2;
            raf.seek(pos);
            int b = raf.read();
            raf.seek(pos);
            raf.write(b ^ 0x10);
        }
        ChunkCorruptException e = assertThrows(ChunkCorruptException.class, () -> f.store.get(id));
        assertTrue(e.getMessage().contains(id.toHex()), e.getMessage());
        ChunkStore.CheckReport report = f.store.check(true);
        assertFalse(report.clean());
        assertTrue(report.problems().get(0).contains(id.toHex()), report.problems().toString());
        assertTrue(f.store.check(false).clean(), "without --read-data the record header still matches");
    }

    @Test
    void concurrentPutsAndGetsOfOverlappingDataAreConsistent() throws Exception {
        List<byte[]> pool = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            pool.add(StoreFixture.compressible(100 + i, 50_000 + i * 1000));
        }
        ExecutorService ex = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int start = t;
                futures.add(ex.submit(() -> {
                    for (int i = 0; i < 48; i++) {
                        byte[] d = pool.get((start * 7 + i) % pool.size());
                        ChunkId id = f.store.putAsync(d).join();
                        assertArrayEquals(d, f.store.get(id));
                    }
                    return null;
                }));
            }
            for (Future<?> fu : futures) {
                fu.get();
            }
        } finally {
            ex.shutdownNow();
        }
        assertEquals(pool.size(), f.store.stats().chunksNew(), "each distinct chunk stored exactly once");
    }

    @Test
    void pinnedChunkSurvivesGarbageCollectionUntilUnpinned() throws IOException {
        byte[] data = StoreFixture.random(6, 10_000);
        ChunkId id = f.store.put(data);
        assertEquals(0, f.store.collectGarbage().chunksFreed());
        assertArrayEquals(data, f.store.get(id));
        f.store.unpin(List.of(id));
        assertEquals(1, f.store.collectGarbage().chunksFreed());
        assertFalse(f.store.contains(id));
    }

    @Test
    void deletingFilesAndCollectingGarbageReturnsSpaceToTheDisk() throws IOException {
        // 96 files of 2 MiB: incompressible so stored bytes are known; then delete 2 of every 3.
        int files = 96;
        for (int i = 0; i < files; i++) {
            byte[] data = StoreFixture.random(1000 + i, 2 << 20);
            ChunkId id = f.store.put(data);
            f.commitFile(100 + i, List.of(new ChunkRef(id, data.length)));
        }
        f.store.sync();
        long before = packBytes();
        for (int i = 0; i < files; i++) {
            if (i % 3 != 0) {
                long ino = 100 + i;
                f.catalog.transaction(tx -> {
                    FileChunkLists.delete(tx, ino);
                    return null;
                });
            }
        }
        ChunkStore.GcStats gc = f.store.collectGarbage();
        assertEquals(files - files / 3, gc.chunksFreed());
        long stored = f.store.check(false).storedBytes();
        long after = packBytes();
        assertTrue(after < before / 2, "space came back: " + before + " -> " + after);
        assertTrue(after <= 1.2 * stored, "pack bytes per stored byte " + (double) after / stored);
        assertTrue(f.store.check(true).clean());
    }

    @Test
    void checkReportsARefcountThatDoesNotMatchReferences() throws IOException {
        byte[] data = StoreFixture.random(7, 1000);
        ChunkId id = f.store.put(data);
        f.commitFile(10, List.of(new ChunkRef(id, data.length)));
        assertTrue(f.store.check(false).clean());
        f.catalog.transaction(tx -> {
            try (PreparedStatement ps = tx.connection().prepareStatement("UPDATE chunks SET refcount = 5")) {
                ps.executeUpdate();
            } catch (java.sql.SQLException e) {
                throw new IOException(e);
            }
            return null;
        });
        ChunkStore.CheckReport r = f.store.check(false);
        assertEquals(1, r.problems().size());
        assertTrue(r.problems().get(0).contains("refcount 5 but 1 references"), r.problems().toString());
    }

    @Test
    void treeBlobNeverSharesAnIdWithAChunkOfTheSameBytes() throws IOException {
        byte[] bytes = StoreFixture.compressible(8, 5000);
        ChunkId chunk = f.store.put(bytes);
        ChunkId tree = f.store.put(dev.pactfs.crypto.BlobType.TREE, bytes);
        assertFalse(chunk.equals(tree));
        assertArrayEquals(bytes, f.store.get(dev.pactfs.crypto.BlobType.TREE, tree));
        assertThrows(StoreException.class, () -> f.store.get(tree), "a tree blob is not a chunk");
    }

    @Test
    void freeingATreeBlobCascadesToTheChunksOnlyItReferenced() throws IOException {
        ChunkId shared = f.store.put(StoreFixture.random(9, 1000));
        ChunkId own = f.store.put(StoreFixture.random(10, 1000));
        f.commitFile(10, List.of(new ChunkRef(shared, 1000)));
        ChunkId tree = f.store.put(dev.pactfs.crypto.BlobType.TREE, StoreFixture.random(11, 300));
        f.catalog.transaction(tx -> {
            assertTrue(BlobGraph.addChildren(tx, tree, java.util.Map.of(shared, 1, own, 2)));
            assertFalse(BlobGraph.addChildren(tx, tree, java.util.Map.of(shared, 1, own, 2)), "edges recorded once");
            BlobGraph.adjustRefcounts(tx, java.util.Map.of(tree, 1L)); // as a snapshot record would
            return null;
        });
        f.store.unpin(List.of(own, tree));
        assertEquals(0, f.store.collectGarbage().chunksFreed(), "everything is referenced");
        f.catalog.transaction(tx -> {
            BlobGraph.adjustRefcounts(tx, java.util.Map.of(tree, -1L)); // the snapshot is forgotten
            return null;
        });
        assertEquals(2, f.store.collectGarbage().chunksFreed(), "the tree and the chunk only it held");
        assertTrue(f.store.contains(shared));
        assertFalse(f.store.contains(own));
        assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
    }

    @Test
    void getOfAnUnknownChunkNamesIt() {
        ChunkId unknown = f.keys.chunkIdHasher().hash(new byte[] {1, 2, 3});
        StoreException e = assertThrows(StoreException.class, () -> f.store.get(unknown));
        assertTrue(e.getMessage().contains(unknown.toHex()));
    }

    private long packBytes() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("packs"))) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private Path onlyPack() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("packs"))) {
            List<Path> l = s.filter(p -> p.toFile().length() > 0).toList();
            assertEquals(1, l.size());
            return l.get(0);
        }
    }
}
