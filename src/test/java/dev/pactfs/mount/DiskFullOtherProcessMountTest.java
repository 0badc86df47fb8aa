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

/** As DiskFullMountTest: the repo on a 64 MiB tmpfs, filled by another process than pactfs. */
@Tag("mount")
class DiskFullOtherProcessMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture().repoPlacement(TmpfsRepo.of("64m"));

    /**
     * Another process fills the disk to the last byte (past pactfs's own reserve): H2 fails a write and closes
     * itself. Writers must get ENOSPC (never EIO), and the mount must work again once space is freed, without a
     * remount.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void diskFilledByAnotherProcessGivesENOSPCAndTheMountRecoversWithoutRemount() {
        TestData.randomFile(fx.base().resolve("before"), 2L << 20, 31);
        TestData.randomFile(fx.base().resolve("after"), 8L << 20, 32);
        fx.inMount("cp \"$BASE/before\" before && sync").ok();
        Path hog = fx.repo().getParent().resolve("hog");
        // dd stops at ENOSPC; the disk is then full to the last block.
        Sh.Result fill = Sh.run(null, Map.of(), Duration.ofMinutes(2),
                List.of("dd", "if=/dev/zero", "of=" + hog, "bs=1M", "status=none"));
        assertTrue(fill.err().contains("No space left on device"), "the hog must fill the disk: " + fill);
        // Run from BASE, not from inside the mount: once H2 has closed itself, reopening it needs a little space, so
        // until space is freed even getattr of the root (a chdir into the mount) gets ENOSPC (never EIO).
        // The first catalog write releases the space reserve (issue 13): small metadata changes still commit, data
        // beyond the pack margin does not.
        fx.in(fx.base(), "echo hello > mnt/new && mkdir mnt/newdir").ok();
        Sh.Result r = fx.in(fx.base(), "cp after mnt/after");
        assertTrue(r.exit() != 0, "cp on a full disk must fail: " + r);
        assertTrue(r.err().contains("No space left on device"), "cp must get ENOSPC: " + r);
        assertTrue(!Files.exists(fx.repo().resolve("reserve")), "the reserve was given back to the disk");
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("rm", "-f", hog.toString())).ok();
        Sh.Result r1 = fx.inMount("cmp \"$BASE/before\" before && rm -rf after new newdir");
        assertEquals(0, r1.exit(), () -> r1 + "\n" + fx.daemonLog());
        Sh.Result r2 = fx.inMount("cp \"$BASE/after\" after && cmp \"$BASE/after\" after && echo hello > new && mkdir newdir");
        assertEquals(0, r2.exit(), () -> r2 + "\n" + fx.daemonLog());
        fx.pactfs(Duration.ofMinutes(2), "check", "--repo", fx.repo().toString()).ok();
        fx.remount();
        fx.inMount("cmp \"$BASE/after\" after && cmp \"$BASE/before\" before").ok();
        assertEquals("after\nbefore\nnew\nnewdir\n", fx.inMount("ls -A").ok().out());
    }
}
