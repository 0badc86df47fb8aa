package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.CancelForwardedMountTest.Client;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ctrl-C on {@code pactfs mount} while its daemon is still starting (issue 13: the client exited 130 and the mount
 * appeared 15 s later). Now the daemon is stopped with the client, no mount appears, and the repo mounts normally
 * afterwards.
 */
class CancelMountingTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    void ctrlCWhileTheDaemonStartsLeavesNoMountBehind() throws Exception {
        fx.init();
        // a long warm-up keeps the daemon busy before it mounts: the window a Ctrl-C falls into
        Client mount = Client.start("mount", "--repo", fx.repo().toString(), "--warm-up=60s", fx.mnt().toString());
        CancelForwardedMountTest.waitFor(() -> !daemons().isEmpty(), mount, "the daemon to start");
        Thread.sleep(1_000); // well into its warm-up
        assertFalse(MountFixture.isMounted(fx.mnt()), "mounted before the warm-up ended: the test proves nothing");
        mount.signal("INT");
        Sh.Result r = mount.await();
        assertEquals(130, r.exit(), r.toString());
        List<String> said = MountFixture.withoutProgress(r.err());
        assertEquals(1, said.size(), "one line besides the daemon's progress: " + r);
        assertTrue(said.get(0).startsWith("pactfs: cancelled mount of "), r.toString());
        assertEquals(List.of(), daemons(), "the starting daemon must be stopped with its client");
        for (int i = 0; i < 30; i++) {
            assertFalse(MountFixture.isMounted(fx.mnt()), "a mount appeared after the client was interrupted");
            Thread.sleep(100);
        }
        fx.mount(); // nothing left behind blocks the next mount
    }

    /** Processes running {@code mount --foreground} for this test's mountpoint. */
    private List<Long> daemons() {
        String mnt = fx.mnt().toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).filter(p -> {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    return cmd.contains("--foreground") && cmd.contains(mnt);
                } catch (IOException e) {
                    return false;
                }
            }).map(p -> Long.parseLong(p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
