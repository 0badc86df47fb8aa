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
 * mount(8) with an /etc/fstab line, as an admin sets it up: install.sh into a staging root, the helpers
 * copied to /sbin/mount.fuse.pactfs, /sbin/umount.fuse.pactfs and /sbin/umount.pactfs (mount(8) only looks in
 * /sbin), a temporary fstab line with daemon options in their fstab spelling, then {@code mount MOUNTPOINT} /
 * {@code umount MOUNTPOINT}, which returns only once the daemon has committed and exited. /etc/fstab and /sbin are
 * restored afterwards.
 */
@Tag("mount")
class FstabMountTest {
    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void fstabLineMountsWithMountMountpoint() throws Exception {
        Path key = fx.base().resolve("acme.key");
        fx.pactfs(Duration.ofMinutes(3), "init", "--repo", fx.repo().toString(), "--key-file", key.toString()).ok();
        assertTrue(Files.exists(key), "init --key-file must write the key file");

        // Daemon options in their fstab spelling (FstabOptions); warm_up=1s keeps the warm-up short but on.
        try (FstabLine fstab = FstabLine.install(fx, key, ",snapshot_when_idle=1h,warm_up=1s")) {
            Map<String, String> env = MountFixture.env();
            Sh.run(null, env, Duration.ofMinutes(3), List.of("mount", fx.mnt().toString())).ok();
            assertTrue(MountFixture.isMounted(fx.mnt()), "mount " + fx.mnt() + " returned but nothing is mounted");
            assertTrue(MountFixture.mountType(fx.mnt()).orElse("").startsWith("fuse"), "type: " + MountFixture.mountType(fx.mnt()));
            long daemon = fx.daemonPid().orElseThrow();
            assertTrue(ProcessHandle.of(daemon).flatMap(h -> h.info().arguments()).map(a -> List.of(a))
                    .orElse(List.of()).contains("--snapshot-when-idle=1h"), "the fstab option reached the daemon");
            fx.inMount("echo 'through fstab' > hello && cp -a /usr/share/doc/bash . && sync hello").ok();
            assertEquals("through fstab\n", fx.inMount("cat hello").ok().out());

            Sh.run(null, env, Duration.ofMinutes(2), List.of("umount", fx.mnt().toString())).ok();
            assertFalse(MountFixture.isMounted(fx.mnt()));
            // umount(8) ran umount.fuse.pactfs, which returns once the daemon has committed and exited
            assertTrue(ProcessHandle.of(daemon).isEmpty(), "umount returned while the daemon (pid " + daemon + ") still ran");

            Sh.run(null, env, Duration.ofMinutes(3), List.of("mount", fx.mnt().toString())).ok();
            assertEquals("through fstab\n", fx.inMount("cat hello").ok().out());
            TreeManifest.assertSame(TreeManifest.of(Path.of("/usr/share/doc/bash")), TreeManifest.of(fx.mnt().resolve("bash")));
            Sh.run(null, env, Duration.ofMinutes(2), List.of("umount", fx.mnt().toString())).ok();
            assertFalse(MountFixture.isMounted(fx.mnt()));
            waitGone(fx);
        }
    }

    static void waitGone(MountFixture fx) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (fx.daemonPid().isPresent() && System.nanoTime() < end) {
            MountFixture.sleep(200);
        }
        assertTrue(fx.daemonPid().isEmpty(), "daemon still running 30 s after umount");
    }
}
