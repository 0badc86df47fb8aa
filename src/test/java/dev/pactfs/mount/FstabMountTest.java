package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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

    static final Path FSTAB = Path.of("/etc/fstab");
    static final List<Path> HELPERS = List.of(Path.of("/sbin/mount.fuse.pactfs"), Path.of("/sbin/umount.fuse.pactfs"),
            Path.of("/sbin/umount.pactfs"));

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void fstabLineMountsWithMountMountpoint() throws Exception {
        Path key = fx.base().resolve("acme.key");
        fx.pactfs(Duration.ofMinutes(3), "init", "--repo", fx.repo().toString(), "--key-file", key.toString()).ok();
        assertTrue(Files.exists(key), "init --key-file must write the key file");

        // The launcher built it for init (or mount-scripts/run-tests.sh did, before the tests).
        String jar = MountFixture.projectRoot().resolve("target/pactfs.jar").toString();
        Path stage = fx.base().resolve("stage");
        // A real install under a temporary PREFIX (not DESTDIR): mount(8) runs helpers with a clean PATH, so
        // the helper must name the launcher by its real path, as it does after a normal install.
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of(MountFixture.projectRoot().resolve("mount-scripts/install.sh").toString(),
                "PREFIX=" + stage.resolve("usr/local"), "SBINDIR=" + stage.resolve("sbin"),
                "UNITDIR=" + stage.resolve("etc/systemd/system"), "JAR=" + jar)).ok();
        Path bin = stage.resolve("usr/local/bin");

        byte[] fstab = Files.readAllBytes(FSTAB);
        Map<Path, Path> saved = new java.util.LinkedHashMap<>();
        try {
            for (Path helper : HELPERS) {
                if (Files.exists(helper, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    saved.put(helper, Files.move(helper, fx.base().resolve("saved-" + helper.getFileName())));
                }
                Files.copy(stage.resolve("sbin/mount.pactfs"), helper, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            // Daemon options in their fstab spelling (FstabOptions); warm_up=1s keeps the warm-up short but on.
            String line = fx.repo() + " " + fx.mnt() + " fuse.pactfs defaults,_netdev,key_file=" + key
                    + ",snapshot_when_idle=1h,warm_up=1s 0 0\n";
            Files.write(FSTAB, concat(fstab, line));

            Map<String, String> env = MountFixture.env();
            assertTrue(Files.readString(HELPERS.get(0)).contains("bindir='" + bin + "'"), "helper must name the installed launcher");
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
        } finally {
            Files.write(FSTAB, fstab);
            for (Path helper : HELPERS) {
                Files.deleteIfExists(helper);
                if (saved.containsKey(helper)) {
                    Files.move(saved.get(helper), helper);
                }
            }
        }
    }

    private static void waitGone(MountFixture fx) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (fx.daemonPid().isPresent() && System.nanoTime() < end) {
            MountFixture.sleep(200);
        }
        assertTrue(fx.daemonPid().isEmpty(), "daemon still running 30 s after umount");
    }

    private static byte[] concat(byte[] a, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        boolean nl = a.length == 0 || a[a.length - 1] == '\n';
        byte[] out = new byte[a.length + (nl ? 0 : 1) + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        if (!nl) {
            out[a.length] = '\n';
        }
        System.arraycopy(b, 0, out, a.length + (nl ? 0 : 1), b.length);
        return out;
    }
}
