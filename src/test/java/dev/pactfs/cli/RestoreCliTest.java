package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.snapshot.Restorer;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code restore} onto something that exists: refused in one line unless --overwrite says what to do, a trailing
 * '/' meaning "into", and an interrupted restore continued by its rerun (only its own).
 */
@Timeout(180)
class RestoreCliTest {

    static final String MARKER = ".pactfs-restore-in-progress";

    @TempDir
    Path tmp;

    String repo;
    String key;
    byte[] big;

    @BeforeEach
    void repoWithTwoSnapshots() throws Exception {
        repo = tmp.resolve("repo").toString();
        key = tmp.resolve("k.key").toString();
        ok(CliRun.run("init", "--repo", repo, "--key-file", key, "--chunk-sizes", "16/64/256"));
        big = StoreFixture.random(5, 2 << 20);
        ok(CliRun.run("put", "--repo", repo, "--key-file", key, Files.writeString(tmp.resolve("a"), "alpha").toString(), "a.txt"));
        ok(CliRun.run("put", "--repo", repo, "--key-file", key, Files.write(tmp.resolve("b"), big).toString(), "b.bin"));
        ok(CliRun.run("put", "--repo", repo, "--key-file", key, Files.writeString(tmp.resolve("c"), "gamma").toString(), "c.txt"));
        ok(CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s1"));
        ok(CliRun.run("put", "--repo", repo, "--key-file", key, tmp.resolve("c").toString(), "d.txt"));
        ok(CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s2"));
    }

    @Test
    void anExistingTargetIsRefusedInOneLine() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(dir.resolve("mine"), "keep me");
        CliRun.Result r = restore("s1", dir.toString());
        assertOneLineError(r, "exists: choose a new target, or pass --overwrite always|if-changed|never");
        assertEquals(List.of(dir.resolve("mine")), list(dir), "nothing added to a target that was refused");

        Path file = Files.writeString(tmp.resolve("file"), "keep me");
        assertOneLineError(restore("s1:a.txt", file.toString()), "exists");
        assertEquals("keep me", Files.readString(file));

        assertEquals(2, restore("s1", tmp.resolve("x").toString(), "--overwrite", "sometimes").exit());
    }

    @Test
    void aTrailingSlashMeansIntoAnExistingDirectory() throws Exception {
        Path missing = tmp.resolve("nodir");
        assertOneLineError(restore("s1:a.txt", missing + "/"), "does not exist or is not a directory");
        assertFalse(Files.exists(missing), "no file named after the directory");

        Path dir = Files.createDirectories(tmp.resolve("dir"));
        ok(restore("s1:a.txt", dir + "/"));
        assertEquals("alpha", Files.readString(dir.resolve("a.txt")));
        assertEquals(List.of(dir.resolve("a.txt")), list(dir), "no temporary name left");
    }

    @Test
    void overwriteModesDecideWhatHappensToExistingFiles() throws Exception {
        Path out = tmp.resolve("out");
        ok(restore("s1", out.toString()));
        Files.writeString(out.resolve("a.txt"), "changed");
        Files.delete(out.resolve("c.txt"));

        CliRun.Result never = ok(restore("s1", out.toString(), "--overwrite", "never"));
        assertEquals("changed", Files.readString(out.resolve("a.txt")));
        assertEquals("gamma", Files.readString(out.resolve("c.txt")), "what was missing is created");
        assertTrue(never.out().contains("2 existing entries left as they were"), never.out());

        CliRun.Result changed = ok(restore("s1", out.toString(), "--overwrite", "if-changed"));
        assertEquals("alpha", Files.readString(out.resolve("a.txt")));
        assertTrue(changed.out().contains("2 already complete, kept"), changed.out());

        Files.writeString(out.resolve("a.txt"), "changed");
        ok(restore("s1", out.toString(), "--overwrite", "always"));
        assertEquals("alpha", Files.readString(out.resolve("a.txt")));
        assertArrayEquals(big, Files.readAllBytes(out.resolve("b.bin")));
        assertFalse(Files.exists(out.resolve(MARKER)));
    }

    @Test
    void anInterruptedRestoreIsContinuedByItsRerunAndOnlyByIt() throws Exception {
        Path out = tmp.resolve("out");
        interruptAfterFirstFile("s1", out);
        assertTrue(Files.exists(out.resolve(MARKER)), "an interrupted restore leaves its marker");
        assertEquals("alpha", Files.readString(out.resolve("a.txt")));

        // another snapshot into that target: refused, naming what the target holds
        assertOneLineError(restore("s2", out.toString()), "holds an interrupted restore of snapshot s1:/");

        // a file cut short as a kill mid-write leaves it: the rerun rewrites it, keeps a.txt
        Files.write(out.resolve("b.bin"), java.util.Arrays.copyOf(big, 1000));
        CliRun.Result r = ok(restore("s1", out.toString()));
        assertTrue(r.out().contains("1 already complete, kept"), r.out());
        assertArrayEquals(big, Files.readAllBytes(out.resolve("b.bin")));
        assertEquals("gamma", Files.readString(out.resolve("c.txt")));
        assertFalse(Files.exists(out.resolve(MARKER)), "marker removed at the end");

        // complete now: a third run is an ordinary existing target again
        assertOneLineError(restore("s1", out.toString()), "exists");
    }

    /** Restores {@code snap} into {@code out} in this JVM and stops it, as a kill would, after the first file. */
    private void interruptAfterFirstFile(String snap, Path out) throws Exception {
        KeyOptions ko = new KeyOptions();
        ko.keyFile = Path.of(key);
        try (OpenRepo r = OpenRepo.open(Path.of(repo), ko)) {
            SnapshotService s = new SnapshotService(r.store);
            Restorer restorer = new Restorer(r.store, s.trees(), p -> {
                if (p.files() == 1) {
                    throw new IllegalStateException("killed");
                }
            });
            assertThrows(IllegalStateException.class, () -> restorer.restore(s.get(snap), "", out));
        }
    }

    private CliRun.Result restore(String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "restore";
        all[1] = "--repo";
        all[2] = repo;
        all[3] = "--key-file";
        all[4] = key;
        System.arraycopy(args, 0, all, 5, args.length);
        return CliRun.run(all);
    }

    static CliRun.Result ok(CliRun.Result r) {
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    static void assertOneLineError(CliRun.Result r, String part) {
        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.toString());
        assertTrue(r.err().startsWith("pactfs: ") && r.err().contains(part), r.toString());
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
