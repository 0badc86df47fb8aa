package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/**
 * A daemon killed with -9 leaves its mount behind, dead ("Transport endpoint is not connected"). The next
 * `pactfs mount` (by hand or from an fstab line through mount(8)) detaches it with one line and mounts; `pactfs
 * umount` detaches it with one line. The data written before the crash is served again.
 */
@Tag("mount")
class StaleMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theLauncherDetachesADeadMountAndMountsAgain() throws Exception {
        fx.init();
        fx.mount();
        fx.inMount("echo 'before the crash' > kept && sync kept").ok();
        fx.kill9LeavingTheMount();
        assertDead();

        Sh.Result again = fx.pactfs(MountFixture.MOUNT_TIMEOUT, "mount", "--repo", fx.repo().toString(), "--warm-up=0",
                fx.mnt().toString()).ok();
        assertDetachedInOneLine(again);
        assertTrue(MountFixture.isMounted(fx.mnt()));
        assertEquals("before the crash\n", fx.inMount("cat kept").ok().out());

        fx.inMount("echo 'second life' > second && sync second").ok();
        fx.kill9LeavingTheMount();
        assertDead();
        Sh.Result umount = fx.pactfs(MountFixture.UMOUNT_TIMEOUT, "umount", fx.mnt().toString()).ok();
        assertDetachedInOneLine(umount);
        assertFalse(MountFixture.isMounted(fx.mnt()), "pactfs umount left the dead mount");

        fx.mount();
        assertEquals("before the crash\nsecond life\n", fx.inMount("cat kept second").ok().out());
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void anFstabMountDetachesADeadMountAndMountsAgain() throws Exception {
        Path key = fx.base().resolve("acme.key");
        fx.pactfs(MountFixture.MOUNT_TIMEOUT, "init", "--repo", fx.repo().toString(), "--key-file", key.toString()).ok();
        try (FstabLine fstab = FstabLine.install(fx, key)) {
            Map<String, String> env = MountFixture.env();
            Sh.run(null, env, MountFixture.MOUNT_TIMEOUT, List.of("mount", fx.mnt().toString())).ok();
            fx.inMount("echo 'through fstab' > hello && sync hello").ok();
            fx.kill9LeavingTheMount();
            assertDead();

            Sh.Result again = Sh.run(null, env, MountFixture.MOUNT_TIMEOUT, List.of("mount", fx.mnt().toString())).ok();
            // mount(8) passes on what the daemon's start prints (progress lines, perhaps): one line says it all.
            assertEquals(1, again.err().lines().filter(l -> l.contains("detached it")).count(), again.toString());
            assertFalse(again.err().contains("Exception") || again.err().contains("\tat "), again.toString());
            assertEquals("through fstab\n", fx.inMount("cat hello").ok().out());
            Sh.run(null, env, MountFixture.UMOUNT_TIMEOUT, List.of("umount", fx.mnt().toString())).ok();
            assertFalse(MountFixture.isMounted(fx.mnt()));
            FstabMountTest.waitGone(fx);
        }
    }

    /** The precondition that makes the test real: the mount is there and stat on it fails as after a crash. */
    private void assertDead() {
        assertTrue(MountFixture.isMounted(fx.mnt()), "the dead mount must still be in /proc/mounts");
        Sh.Result stat = Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("stat", fx.mnt().toString())).failed();
        assertTrue(stat.err().contains("Transport endpoint is not connected"), stat.toString());
        assertFalse(Files.isDirectory(fx.mnt()));
    }

    private void assertDetachedInOneLine(Sh.Result r) {
        List<String> lines = MountFixture.withoutProgress(r.err());
        assertEquals(1, lines.size(), r.toString());
        assertEquals("pactfs: " + fx.mnt() + " was left mounted by a pactfs daemon that is gone (Transport endpoint is"
                + " not connected); detached it (fusermount -u -z)", lines.get(0), r.toString());
    }
}
