package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** As DiskFullMountTest: the repo on a 64 MiB tmpfs, filled to the last byte and left with pactfs commands. */
@Tag("mount")
class DiskFullCommandsMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture().repoPlacement(TmpfsRepo.of("64m"));

    /**
     * Issue 13: a repo disk full to the last byte is not a dead end. The mount's writer fills it to pactfs's margin,
     * then another file (the hog, left in place to the end) takes every byte left, as the catalog's growth or another
     * process would. With pactfs's own commands alone (rm through the mount, snapshot rm, forget, prune) the repo
     * gets back to a state where new writes succeed, and what was fsynced before the disk filled is byte-exact after
     * a remount. The space reserve makes the catalog commits possible; prune rewrites packs in steps that fit.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fullDiskIsLeftWithPactfsCommandsAloneAndNothingFsyncedIsLost() {
        String repo = fx.repo().toString();
        TestData.randomFile(fx.base().resolve("keep"), 6L << 20, 41);
        TestData.randomFile(fx.base().resolve("old"), 16L << 20, 42);
        TestData.randomFile(fx.base().resolve("fill"), 80L << 20, 43);
        TestData.randomFile(fx.base().resolve("after"), 6L << 20, 44);
        assertTrue(Files.exists(fx.repo().resolve("reserve")), "the repo keeps a space reserve file");
        fx.inMount("dd if=\"$BASE/keep\" of=keep bs=1M conv=fsync status=none").ok();
        fx.pactfs(Duration.ofMinutes(1), "snapshot", "create", "--repo", repo, "--name", "one").ok();
        fx.inMount("dd if=\"$BASE/old\" of=old bs=1M conv=fsync status=none").ok();
        fx.pactfs(Duration.ofMinutes(1), "snapshot", "create", "--repo", repo, "--name", "two").ok();
        // Fill through the mount until ENOSPC, then leave not one byte free.
        Sh.Result full = fx.inMount("dd if=\"$BASE/fill\" of=fill bs=1M conv=fsync status=none");
        assertTrue(full.err().contains("No space left on device"), "the writer must get ENOSPC: " + full);
        Path hog = fx.repo().getParent().resolve("hog");
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of("dd", "if=/dev/zero", "of=" + hog, "bs=64k", "status=none"));
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of("dd", "if=/dev/zero", "of=" + hog + "2", "bs=4k", "status=none"));
        // The way out, hog still there: reads, rm, status, check, snapshot rm, forget, prune.
        fx.inMount("cmp \"$BASE/keep\" keep && ls -A >/dev/null && rm -f fill old").ok();
        fx.pactfs(Duration.ofMinutes(1), "status", "--repo", repo).ok();
        fx.pactfs(Duration.ofMinutes(1), "check", "--repo", repo).ok();
        fx.pactfs(Duration.ofMinutes(1), "snapshot", "rm", "--repo", repo, "two").ok();
        fx.pactfs(Duration.ofMinutes(1), "forget", "--repo", repo, "--keep-last", "1").ok();
        Sh.Result pruned = fx.pactfs(Duration.ofMinutes(2), "prune", "--repo", repo);
        assertEquals(0, pruned.exit(), () -> pruned + "\n" + fx.daemonLog());
        // Writing works again, the hog still in place.
        Sh.Result again = fx.inMount("dd if=\"$BASE/after\" of=after bs=1M conv=fsync status=none && cmp \"$BASE/after\" after");
        assertEquals(0, again.exit(), () -> again + "\n" + fx.daemonLog());
        fx.remount();
        fx.inMount("cmp \"$BASE/keep\" keep && cmp \"$BASE/after\" after && cmp \"$BASE/keep\" .snapshots/one/keep").ok();
        assertEquals("after\nkeep\n", fx.inMount("ls").ok().out());
        fx.pactfs(Duration.ofMinutes(1), "check", "--repo", repo).ok();
    }
}
