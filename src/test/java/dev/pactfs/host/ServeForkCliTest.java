package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home rolled back to an older copy of its own repository finds the host's head ahead of its own: one FORK line
 * from {@code replicate --once} (exit 1), in {@code status} too, and nothing is published over the host's head.
 */
@Timeout(90)
class ServeForkCliTest {

    @TempDir
    Path base;

    @Test
    void aRolledBackHomeSeesAForkAndPublishesNothingOverTheHostsHead() throws Exception {
        try (ServeCli host = new ServeCli(base)) {
            Path repo = host.init("acme", 1L << 30);
            host.put(repo, 5000, "a.bin", "s1");
            host.onOk(repo, "replicate", "--once");
            Path saved = base.resolve("acme-as-it-was");
            Sh.bash(base, Map.of(), Duration.ofMinutes(1), "cp -a '" + repo + "' '" + saved + "'").ok();
            host.put(repo, 5000, "b.bin", "s2");
            host.onOk(repo, "replicate", "--once");
            Path headFile = host.root.resolve("tenants/acme/heads");
            String head;
            try (var s = Files.list(headFile)) {
                headFile = s.filter(p -> p.getFileName().toString().startsWith("pactfs-")).findFirst().orElseThrow();
            }
            head = Files.readString(headFile);
            assertTrue(head.startsWith("2 "), head);

            // Home restored from yesterday's copy of its own repository: its last manifest is 1, the host's head 2.
            Sh.bash(base, Map.of(), Duration.ofMinutes(1), "rm -rf '" + repo + "' && mv '" + saved + "' '" + repo + "'").ok();
            CliRun.Result fork = host.on(repo, "replicate", "--once");
            assertEquals(1, fork.exit(), fork.toString());
            assertEquals(1, fork.out().lines().filter(l -> l.contains("FORK")).count(), fork.toString());
            assertTrue(fork.out().contains("the partner's newest manifest is sequence 2"), fork.toString());
            assertFalse(fork.out().contains("published partner manifest"), fork.toString());
            assertFalse(fork.err().contains("\tat "), "no stack trace: " + fork);
            CliRun.Result status = host.on(repo, "status");
            assertTrue(status.out().contains("FORK"), status.toString());
            assertEquals(head, Files.readString(headFile), "the host's head stays");
        }
    }
}
