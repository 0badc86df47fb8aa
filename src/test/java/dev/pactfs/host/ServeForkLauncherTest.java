package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * A home rolled back to an older copy of its own repository finds the host's head ahead of its own: one FORK line
 * from {@code replicate --once} (exit 1), in {@code status} too, and nothing is published over the host's head.
 */
class ServeForkLauncherTest {

    @TempDir
    Path base;

    @Test
    void aRolledBackHomeSeesAForkAndPublishesNothingOverTheHostsHead() throws Exception {
        Path root = base.resolve("host");
        int port = ServeLauncherTest.freePort();
        String uri = "pactfs://127.0.0.1:" + port;
        Process server = ServeLauncherTest.startServer(base, root, port);
        try {
            Path repo = init(root, uri, "acme", "1G");
            Path key = base.resolve("acme.key");
            put(repo, key, 5000, "a.bin", "s1");
            pactfs("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once").ok();
            Path saved = base.resolve("acme-as-it-was");
            Sh.bash(base, java.util.Map.of(), ServeLauncherTest.T, "cp -a '" + repo + "' '" + saved + "'").ok();
            // A second snapshot record changes the live set: the next pass publishes manifest 2.
            pactfs("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", "s2").ok();
            pactfs("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once").ok();
            String head = Files.readString(single(root.resolve("tenants/acme/heads")));
            assertTrue(head.startsWith("2 "), head);

            // Home restored from yesterday's copy of its own repository: its last manifest is 1, the host's head 2.
            Sh.bash(base, java.util.Map.of(), ServeLauncherTest.T, "rm -rf '" + repo + "' && mv '" + saved + "' '"
                    + repo + "'").ok();
            Sh.Result fork = pactfs("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once");
            assertEquals(1, fork.exit(), fork.toString());
            assertEquals(1, fork.out().lines().filter(l -> l.contains("FORK")).count(), fork.toString());
            assertTrue(fork.out().contains("the partner's newest manifest is sequence 2"), fork.toString());
            assertFalse(fork.out().contains("published partner manifest"), fork.toString());
            assertFalse(fork.err().contains("\tat "), "no stack trace: " + fork);
            Sh.Result status = pactfs("status", "--repo", repo.toString(), "--key-file", key.toString());
            assertTrue(status.out().contains("FORK"), status.toString());
            assertEquals(head, Files.readString(single(root.resolve("tenants/acme/heads"))), "the host's head stays");
        } finally {
            ServeLauncherTest.stop(server);
        }
    }

    /** A repo paired with a new tenant {@code name} of quota {@code quota}; its key file is base/NAME.key. */
    private Path init(Path root, String uri, String name, String quota) throws Exception {
        String code = pactfs("serve", "pair", "--root", root.toString(), "--tenant", name, "--quota", quota).ok()
                .out().strip();
        Path pairFile = base.resolve(name + ".pair");
        Files.writeString(pairFile, code + "\n");
        Path repo = base.resolve(name);
        Sh.Result init = pactfs("init", "--repo", repo.toString(), "--partner", uri, "--pair-file", pairFile.toString(),
                "--key-file", base.resolve(name + ".key").toString()).ok();
        Matcher m = Pattern.compile("as tenant (\\S+)").matcher(init.err());
        assertTrue(m.find() && m.group(1).equals(name), init.toString());
        return repo;
    }

    private void put(Path repo, Path key, int bytes, String file, String snapshot) throws Exception {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        Path f = Files.write(base.resolve(file), data);
        pactfs("put", "--repo", repo.toString(), "--key-file", key.toString(), f.toString(), file).ok();
        pactfs("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", snapshot).ok();
    }

    private static Path single(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
        }
    }

    private Sh.Result pactfs(String... args) {
        return ServeLauncherTest.pactfs(base, args);
    }
}
