package dev.pactfs.snapshot;

import static dev.pactfs.snapshot.SnapshotServiceTest.n;
import static dev.pactfs.snapshot.SnapshotServiceTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SnapshotService on a 10,000-file tree: a second snapshot of it unchanged stores nothing new. Apart from
 * SnapshotServiceTest because writing the tree alone takes over a minute on a loaded machine.
 */
class SnapshotManyFilesTest {

    @TempDir
    Path tmp;
    TestRepo repo;
    SnapshotService snaps;

    @BeforeEach
    void open() throws IOException {
        repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")));
        snaps = new SnapshotService(repo.store);
    }

    @AfterEach
    void close() throws IOException {
        repo.close();
    }

    @Test
    void aSecondSnapshotOfAnUnchanged10000FileTreeAddsAtMostAHandfulOfBlobs() throws IOException {
        for (int dir = 0; dir < 100; dir++) {
            long d = repo.fs.mkdir(PactFs.ROOT, n("dir" + dir), 0755, Caller.ROOT).ino();
            for (int f = 0; f < 100; f++) {
                write(repo.fs, d, "file" + f, n("content of " + dir + "/" + f));
            }
        }
        SnapshotService.Created first = snaps.create("first", null, repo.fs);
        assertEquals(102, first.newTrees()); // 100 dirs, the root listing, the top tree
        long chunksBefore = repo.store.stats().chunksNew();
        long t0 = System.nanoTime();
        SnapshotService.Created second = snaps.create("second", null, repo.fs);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, repo.store.stats().chunksNew() - chunksBefore, "no new blob stored");
        assertTrue(second.newTrees() <= 3, "new trees: " + second.newTrees());
        assertEquals(first.record().root(), second.record().root());
        assertEquals(10_000, second.files());
        System.out.println("second snapshot of 10,000 unchanged files: " + ms + " ms");
        repo.assertStoreClean();
    }
}
