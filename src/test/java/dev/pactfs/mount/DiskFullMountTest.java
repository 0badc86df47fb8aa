package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The repo on a 64 MiB tmpfs: a writer gets ENOSPC, the store stays consistent, and writing resumes. Filled by another
 * process: DiskFullOtherProcessMountTest; left with pactfs's commands: DiskFullCommandsMountTest (one class took
 * 179 s on a loaded machine).
 */
@Tag("mount")
class DiskFullMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture().repoPlacement(TmpfsRepo.of("64m"));

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void diskFullGivesENOSPCAndWritingResumesAfterDelete() {
        TestData.randomFile(fx.base().resolve("before"), 2L << 20, 21);
        TestData.randomFile(fx.base().resolve("fill"), 200L << 20, 22);
        TestData.randomFile(fx.base().resolve("after"), 8L << 20, 23);
        fx.inMount("cp \"$BASE/before\" before").ok();
        Sh.Result full = fx.inMount("dd if=\"$BASE/fill\" of=fill bs=1M conv=fsync status=none");
        assertTrue(full.exit() != 0, "writing 200 MiB into a repo on a 64 MiB disk must fail: " + full);
        assertTrue(full.err().contains("No space left on device"), "the writer must get ENOSPC: " + full);
        // Still consistent and usable: delete, then write again.
        fx.inMount("rm -f fill && sync").ok();
        fx.inMount("cp \"$BASE/after\" after && cmp \"$BASE/after\" after && cmp \"$BASE/before\" before").ok();
        fx.remount();
        fx.inMount("cmp \"$BASE/after\" after && cmp \"$BASE/before\" before && ls -A").ok();
        assertEquals("after\nbefore\n", fx.inMount("ls -A").ok().out());
    }
}
