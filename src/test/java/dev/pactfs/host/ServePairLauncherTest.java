package dev.pactfs.host;

import static dev.pactfs.host.ServeLauncherTest.count;
import static dev.pactfs.host.ServeLauncherTest.freePort;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the launcher: an existing repo without a partner pairs with {@code partner set}, a spent code pairs
 * nobody, and when the daemon is lost too the host's directory is a plain partner copy that recovers without it.
 */
class ServePairLauncherTest {

    @TempDir
    Path base;

    @Test
    void partnerSetThenRecoverFromTheHostsDirectory() throws Exception {
        Path root = base.resolve("host");
        Path pair = base.resolve("pair");
        Files.writeString(pair, pactfs("serve", "pair", "--root", root.toString(), "--tenant", "beta",
                "--quota", "10M").ok().out());
        Path repo = base.resolve("repo");
        Path key = base.resolve("key");
        Matcher id = Pattern.compile("\\(id ([0-9a-f]{32})\\)").matcher(
                pactfs("init", "--repo", repo.toString(), "--key-file", key.toString()).ok().err());
        assertTrue(id.find());
        byte[] data = new byte[1 << 20];
        new Random(1818).nextBytes(data);
        Path file = Files.write(base.resolve("data.bin"), data);
        pactfs("put", "--repo", repo.toString(), "--key-file", key.toString(), file.toString(), "data.bin").ok();
        pactfs("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", "s1").ok();
        int port = freePort();
        Process server = ServeLauncherTest.startServer(base, root, port);
        try {
            String uri = "pactfs://127.0.0.1:" + port;
            Sh.Result set = pactfs("partner", "set", "--repo", repo.toString(), "--key-file", key.toString(), uri,
                    "--pair-file", pair.toString()).ok();
            assertTrue(set.err().contains("(tenant beta,"), set.toString());
            pactfs("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once").ok();
            assertTrue(count(root.resolve("tenants/beta/data/pactfs-" + id.group(1) + "/packs")) > 0);
            Sh.Result spent = pactfs("partner", "set", "--repo", repo.toString(), "--key-file", key.toString(), uri,
                    "--pair-file", pair.toString());
            assertNotEquals(0, spent.exit(), spent.toString());
            assertTrue(spent.err().contains("HTTP 403"), spent.toString());
            assertEquals(1, spent.err().strip().lines().filter(l -> l.startsWith("pactfs:")).count(), spent.toString());
        } finally {
            ServeLauncherTest.stop(server);
        }
        Path rec = base.resolve("rec");
        pactfs("recover", "--partner", root.resolve("tenants/beta/data").toString(), "--repo", rec.toString(),
                "--key-file", key.toString()).ok();
        Path out = base.resolve("out");
        pactfs("restore", "--repo", rec.toString(), "--key-file", key.toString(), "s1", out.toString()).ok();
        assertArrayEquals(data, Files.readAllBytes(out.resolve("data.bin")));
    }

    private Sh.Result pactfs(String... args) {
        return ServeLauncherTest.pactfs(base, args);
    }
}
