package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.store.DeltaStoreTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code pactfs prune} (the launcher, a separate process) killed with SIGKILL while it rewrites deltas in full
 * leaves a repo that {@code check --read-data} passes, and a second prune finishes the job.
 */
@Timeout(600)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PruneKillTest {

    static final int FILES = 60;

    @TempDir
    Path tmp;

    static long packBytes(Path repo) throws Exception {
        try (Stream<Path> s = Files.list(repo.resolve("packs"))) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    @Test
    void a_prune_killed_during_a_rewrite_of_many_deltas_leaves_a_repo_check_passes() throws Exception {
        Path repo = tmp.resolve("repo");
        String key = tmp.resolve("k.key").toString();
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", key).exit());
        List<byte[]> night2 = new ArrayList<>();
        for (int night = 1; night <= 2; night++) {
            for (int i = 0; i < FILES; i++) {
                byte[] v1 = DeltaStoreTest.lines(1000 + i, 200_000);
                byte[] v = night == 1 ? v1 : DeltaStoreTest.edited(v1, 2000 + i, 20);
                if (night == 2) {
                    night2.add(v);
                }
                Path f = Files.write(tmp.resolve("in.sql"), v);
                CliRun.Result put = CliRun.run("put", "--repo", repo.toString(), "--key-file", key, f.toString(),
                        "db-" + i + ".sql");
                assertEquals(0, put.exit(), put.toString());
            }
            assertEquals(0, CliRun.run("snapshot", "create", "--repo", repo.toString(), "--key-file", key,
                    "--name", "night-" + night).exit());
        }
        // Night 1's chunks are now used only by night 2's deltas: prune rewrites every one of them in full.
        CliRun.Result forget = CliRun.run("forget", "--repo", repo.toString(), "--key-file", key, "--keep-last", "1");
        assertEquals(0, forget.exit(), forget.toString());

        long before = packBytes(repo);
        Process child = new ProcessBuilder(MountFixture.launcher().toString(), "prune", "--repo", repo.toString(),
                "--key-file", key).redirectErrorStream(true).redirectOutput(tmp.resolve("prune.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            // The first bytes appended to a pack are the first full copies: the rewrite is under way.
            while (packBytes(repo) == before) {
                assertTrue(child.isAlive(), () -> "prune exited before rewriting anything: " + log());
                assertTrue(System.nanoTime() < deadline, "prune never started rewriting");
                Thread.sleep(2);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }

        CliRun.Result check = CliRun.run("check", "--repo", repo.toString(), "--key-file", key, "--read-data");
        assertEquals(0, check.exit(), check.toString());

        CliRun.Result prune = CliRun.run("prune", "--repo", repo.toString(), "--key-file", key);
        assertEquals(0, prune.exit(), prune.toString());
        Matcher m = Pattern.compile("rewrote (\\d+) deltas in full").matcher(prune.out());
        assertTrue(m.find(), prune.out());
        assertTrue(Integer.parseInt(m.group(1)) > 0, "the killed prune left deltas to rewrite: " + prune.out());
        CliRun.Result again = CliRun.run("prune", "--repo", repo.toString(), "--key-file", key);
        assertTrue(again.out().contains("rewrote 0 deltas in full"), again.out());

        check = CliRun.run("check", "--repo", repo.toString(), "--key-file", key, "--read-data");
        assertEquals(0, check.exit(), check.toString());
        for (int i = 0; i < FILES; i += 7) {
            Path out = tmp.resolve("out-" + i);
            CliRun.Result get = CliRun.run("get", "--repo", repo.toString(), "--key-file", key, "db-" + i + ".sql",
                    out.toString());
            assertEquals(0, get.exit(), get.toString());
            assertArrayEquals(night2.get(i), Files.readAllBytes(out), "db-" + i + ".sql");
        }
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("prune.log"));
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
