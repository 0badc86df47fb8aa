package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SnapshotService on a small tree; a 10,000-file tree: SnapshotManyFilesTest (alone it takes over a minute). */
class SnapshotServiceTest {

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

    static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Creates (or overwrites) {@code name} in {@code dir} with {@code data}; returns its inode. */
    static long write(PactFs fs, long dir, String name, byte[] data) throws IOException {
        long fh;
        long ino;
        try {
            ino = fs.lookup(dir, n(name));
            fh = fs.open(ino, PactFs.O_WRONLY | PactFs.O_TRUNC);
        } catch (dev.pactfs.fs.FsException e) {
            PactFs.Created c = fs.create(dir, n(name), 0644, PactFs.O_WRONLY, Caller.ROOT);
            fh = c.handle();
            ino = c.attr().ino();
        }
        fs.write(fh, 0, data, 0, data.length);
        fs.flush(fh);
        fs.release(fh);
        return ino;
    }

    byte[] readSnapshotFile(SnapshotRecord s, String path) throws IOException {
        TreeEntry e = snaps.trees().walk(snaps.trees().rootOf(s.root()), Trees.components(path));
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (var r : e.chunks()) {
            out.write(r.isHole() ? new byte[r.length()] : repo.store.get(r.id()), 0, r.length());
        }
        return out.toByteArray();
    }

    @Test
    void aSnapshotKeepsTheContentAsOfItsCreation() throws IOException {
        long d = repo.fs.mkdir(PactFs.ROOT, n("d"), 0755, Caller.ROOT).ino();
        write(repo.fs, d, "f", StoreFixture.random(1, 100_000));
        SnapshotRecord s1 = snaps.create("one", "t", repo.fs).record();
        write(repo.fs, d, "f", StoreFixture.random(2, 50_000));
        SnapshotRecord s2 = snaps.create("two", null, repo.fs).record();
        assertArrayEquals(StoreFixture.random(1, 100_000), readSnapshotFile(s1, "d/f"));
        assertArrayEquals(StoreFixture.random(2, 50_000), readSnapshotFile(s2, "d/f"));
        assertEquals("one", s2.parent());
        assertEquals(List.of("one", "two"), snaps.list().stream().map(SnapshotRecord::name).toList());
        repo.assertStoreClean();
    }

    @Test
    void aFileOpenForWritingAppearsAsOfItsLastCompletedWrite() throws IOException {
        PactFs.Created c = repo.fs.create(PactFs.ROOT, n("growing"), 0644, PactFs.O_WRONLY, Caller.ROOT);
        byte[] a = StoreFixture.random(3, 40_000);
        repo.fs.write(c.handle(), 0, a, 0, a.length);
        SnapshotRecord s = snaps.create("mid-write", null, repo.fs).record();
        repo.fs.write(c.handle(), a.length, a, 0, a.length);
        repo.fs.release(c.handle());
        assertArrayEquals(a, readSnapshotFile(s, "growing"));
        repo.assertStoreClean();
    }

    @Test
    void forgetAndPruneFreeTheSpaceOfDeletedData() throws IOException {
        for (int i = 0; i < 5; i++) {
            write(repo.fs, PactFs.ROOT, "big" + i, StoreFixture.random(100 + i, 2_000_000));
        }
        snaps.create("full", null, repo.fs);
        for (int i = 0; i < 5; i++) {
            repo.fs.unlink(PactFs.ROOT, n("big" + i));
        }
        snaps.create("empty", null, repo.fs);
        long before = repoBytes();
        snaps.prune(null, this::repoBytes);
        assertTrue(repoBytes() > before - 1_000_000, "a snapshot still holds the data");
        ForgetPolicy keepLast = new ForgetPolicy(1, 0, 0, 0, 0, 0, Set.of(), ZoneOffset.UTC);
        assertEquals(List.of("full"), snaps.forget(keepLast, true).remove().stream().map(SnapshotRecord::name).toList());
        assertEquals(2, snaps.list().size(), "dry run changes nothing");
        snaps.forget(keepLast, false);
        List<String> handed = new java.util.ArrayList<>();
        SnapshotService.Pruned p = snaps.prune((forgotten, gc) -> forgotten.forEach(f -> handed.add(f.name())),
                this::repoBytes);
        assertEquals(List.of("full"), handed);
        long after = repoBytes();
        System.out.println("prune: " + before + " -> " + after + " bytes; " + p);
        assertTrue(before - after > 9_000_000, "reclaimed " + (before - after));
        repo.assertStoreClean();
        // the queue was cleared: a second prune hands nothing over
        handed.clear();
        snaps.prune((forgotten, gc) -> forgotten.forEach(f -> handed.add(f.name())), this::repoBytes);
        assertEquals(List.of(), handed);
    }

    long repoBytes() {
        try (Stream<Path> s = Files.walk(repo.dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void diffReportsAddedRemovedAndChangedPathsWithSizes() throws IOException {
        long d = repo.fs.mkdir(PactFs.ROOT, n("d"), 0755, Caller.ROOT).ino();
        write(repo.fs, d, "keep", n("same"));
        write(repo.fs, d, "change", n("v1"));
        write(repo.fs, PactFs.ROOT, "gone", n("bye"));
        SnapshotRecord a = snaps.create("a", null, repo.fs).record();
        write(repo.fs, d, "change", n("version 2"));
        repo.fs.unlink(PactFs.ROOT, n("gone"));
        write(repo.fs, d, "new", n("hello"));
        SnapshotRecord b = snaps.create("b", null, repo.fs).record();
        List<Diff.Change> changes = new Diff(snaps.trees()).between(a, b);
        List<String> lines = changes.stream().map(c -> c.kind() + " " + c.path() + " " + c.oldSize() + " " + c.newSize()).toList();
        assertTrue(lines.contains("CHANGED /d/change 2 9"), lines.toString());
        assertTrue(lines.contains("ADDED /d/new -1 5"), lines.toString());
        assertTrue(lines.contains("REMOVED /gone 3 -1"), lines.toString());
        assertTrue(lines.stream().noneMatch(l -> l.contains("keep")), lines.toString());
    }

    @Test
    void duplicateAndInvalidNamesAreRefused() throws IOException {
        snaps.create("x", null, repo.fs);
        assertThrows(SnapshotException.class, () -> snaps.create("x", null, repo.fs));
        assertThrows(SnapshotException.class, () -> snaps.create("a/b", null, repo.fs));
        assertThrows(SnapshotException.class, () -> snaps.create("a:b", null, repo.fs));
        String auto = snaps.create(null, null, repo.fs).record().name();
        assertNotEquals(auto, snaps.create(null, null, repo.fs).record().name());
    }
}
