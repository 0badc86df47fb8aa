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
 * What systemd and an admin at a terminal see of the daemon: a SIGTERM stop after a clean commit is exit 0 (a
 * service stop is no failure), the warm-up says what it does, and a refused mount says why on the terminal.
 */
@Tag("mount")
class DaemonStopMountTest {
    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sigtermCommitsTheOpenFileAndExitsZero() throws Exception {
        fx.init();
        ProcessBuilder pb = new ProcessBuilder(MountFixture.launcher().toString(), "mount", "--foreground", "--warm-up=0",
                "--repo", fx.repo().toString(), fx.mnt().toString())
                .redirectErrorStream(true).redirectOutput(fx.base().resolve("daemon.out").toFile());
        pb.environment().putAll(MountFixture.env());
        Process daemon = pb.start();
        Process writer = null;
        try {
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!MountFixture.isMounted(fx.mnt()) && daemon.isAlive() && System.nanoTime() < end) {
                MountFixture.sleep(100);
            }
            assertTrue(MountFixture.isMounted(fx.mnt()), "not mounted: " + Files.readString(fx.base().resolve("daemon.out")));
            // A file still open for writing when the stop comes: the stop commits it.
            writer = new ProcessBuilder("bash", "-c", "exec 3>" + fx.mnt().resolve("open.txt") + "; echo committed >&3; sleep 600")
                    .start();
            long written = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Path open = fx.mnt().resolve("open.txt");
            while ((!Files.exists(open) || Files.size(open) == 0) && System.nanoTime() < written) {
                MountFixture.sleep(100);
            }
            daemon.destroy(); // SIGTERM, as systemd's stop
            assertTrue(daemon.waitFor(90, TimeUnit.SECONDS), "daemon still running 90 s after SIGTERM");
            String out = Files.readString(fx.base().resolve("daemon.out"));
            assertEquals(0, daemon.exitValue(), "exit status after a clean SIGTERM stop:\n" + out);
            assertTrue(out.contains("pactfs mount: mounting at " + fx.mnt()), out);
        } finally {
            if (writer != null) {
                writer.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            daemon.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("fusermount", "-u", "-z", fx.mnt().toString()));
        }
        assertFalse(MountFixture.isMounted(fx.mnt()));
        fx.mount();
        assertEquals("committed\n", fx.inMount("cat open.txt").ok().out());
        fx.unmount();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void warmUpPhasesAndARefusedMountsReasonAreOnTheTerminal() throws Exception {
        fx.init();
        List<String> mount = List.of(MountFixture.launcher().toString(), "mount", "--repo", fx.repo().toString());
        Sh.Result refused = Sh.run(null, MountFixture.env(), Duration.ofMinutes(3), concat(mount, "--warm-up=1s", "-o",
                "no_such_fuse_option", fx.mnt().toString()));
        assertEquals(1, refused.exit(), refused.toString());
        List<String> lines = refused.err().strip().lines().toList();
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("pactfs mount: warm-up 1/2:")), refused.err());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("pactfs mount: warm-up 2/2:")), refused.err());
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("pactfs: cannot mount " + fx.mnt()) && last.contains("fuse: unknown option")
                && last.contains("no_such_fuse_option") && !last.contains("line above"), refused.err());
        assertFalse(MountFixture.isMounted(fx.mnt()));
        assertTrue(Files.readString(fx.repo().resolve("mount.log")).contains("fuse: unknown option"), "the log keeps it too");
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
