package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Home's side of the host's quota through the CLI: a full quota is one line from {@code replicate --once} (exit 1)
 * and "partner quota full" in {@code status}; the repo keeps taking writes, and once the host's admin raises the
 * quota the next pass ships what waited.
 */
@Timeout(90)
class ServeQuotaCliTest {

    @TempDir
    Path base;

    @Test
    void aFullQuotaIsOneLineAtHomeAndWritesGoOn() throws Exception {
        try (ServeCli host = new ServeCli(base)) {
            Path repo = host.init("small", 64L << 10); // the first pack (3 MiB of random data) does not fit
            host.put(repo, 3 << 20, "big.bin", "s1");
            CliRun.Result full = host.on(repo, "replicate", "--once");
            assertEquals(1, full.exit(), full.toString());
            assertEquals(1, full.err().lines().count(), full.toString());
            assertTrue(full.err().startsWith("pactfs: partner quota full: host " + host.uri), full.toString());
            assertTrue(full.err().contains("quota full: tenant small stores "), full.toString());
            assertFalse(full.err().contains("\tat "), "no stack trace: " + full);
            CliRun.Result status = host.on(repo, "status");
            assertTrue(status.out().contains("partner quota full"), status.toString());
            host.put(repo, 1000, "after.bin", "s2"); // the repo (and so the mount over it) keeps taking writes

            java.nio.file.Files.writeString(host.root.resolve("tenants/small/quota"), (64L << 20) + "\n");
            CliRun.Result after = host.on(repo, "replicate", "--once");
            assertEquals(0, after.exit(), after.toString());
            assertTrue(after.out().contains("published partner manifest 1"), after.toString());
        }
    }
}
