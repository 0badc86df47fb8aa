package dev.pactfs.cli;

import static dev.pactfs.cli.RestoreCliTest.MARKER;
import static dev.pactfs.cli.RestoreCliTest.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code pactfs restore} (the launcher, a separate process) killed with SIGKILL part way leaves its resume
 * marker, and the same command run again finishes it, keeping the files already complete.
 */
@Timeout(300)
class RestoreKillTest {

    static final int FILES = 150;
    static final int FILE_BYTES = 512 << 10;

    @TempDir
    Path tmp;

    @Test
    void aRestoreKilledPartWayIsFinishedByItsRerun() throws Exception {
        Path repo = tmp.resolve("repo");
        String key = tmp.resolve("k.key").toString();
        ok(CliRun.run("init", "--repo", repo.toString(), "--key-file", key, "--chunk-sizes", "16/64/256"));
        KeyOptions ko = new KeyOptions();
        ko.keyFile = Path.of(key);
        try (OpenRepo r = OpenRepo.open(repo, ko); OpenRepo.Fs h = r.openFs()) {
            PactFs fs = h.fs();
            long d = fs.mkdir(PactFs.ROOT, "d".getBytes(), 0755, Caller.ROOT).ino();
            for (int i = 0; i < FILES; i++) {
                PactFs.Created c = fs.create(d, ("f" + i).getBytes(), 0644, PactFs.O_WRONLY, Caller.ROOT);
                byte[] data = StoreFixture.random(i, FILE_BYTES);
                fs.write(c.handle(), 0, data, 0, data.length);
                fs.release(c.handle());
            }
            new SnapshotService(r.store).create("s1", null, fs);
        }

        Path out = tmp.resolve("out");
        Process child = new ProcessBuilder(MountFixture.launcher().toString(), "restore", "--repo", repo.toString(),
                "--key-file", key, "s1", out.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("restore.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (count(out.resolve("d")) < 5) {
                assertTrue(child.isAlive(), () -> "restore ended before it was killed: " + log());
                assertTrue(System.nanoTime() < deadline, "restore never got going");
                Thread.sleep(1);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        long before = count(out.resolve("d"));
        assertTrue(before < FILES, "killed part way: " + before + " of " + FILES);
        assertTrue(Files.exists(out.resolve(MARKER)), "the killed restore left its marker");

        CliRun.Result again = ok(CliRun.run("restore", "--repo", repo.toString(), "--key-file", key, "s1", out.toString()));
        Matcher m = Pattern.compile("; (\\d+) already complete, kept").matcher(again.out());
        assertTrue(m.find(), again.out());
        assertTrue(Integer.parseInt(m.group(1)) >= before - 1, "files complete before the kill were kept: " + again.out());
        assertFalse(Files.exists(out.resolve(MARKER)));
        for (int i = 0; i < FILES; i++) {
            assertArrayEquals(StoreFixture.random(i, FILE_BYTES), Files.readAllBytes(out.resolve("d/f" + i)), "f" + i);
        }
        assertEquals(FILES, count(out.resolve("d")));
    }

    private static long count(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("restore.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
