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
 * Home's side of the host's quota, through the launcher: a full quota is one line from {@code replicate --once}
 * (exit 1) and "partner quota full" in {@code status}, and the repo keeps taking writes.
 */
class ServeQuotaLauncherTest {

    @TempDir
    Path base;

    @Test
    void aFullQuotaIsOneLineAtHomeAndWritesGoOn() throws Exception {
        Path root = base.resolve("host");
        int port = ServeLauncherTest.freePort();
        String uri = "pactfs://127.0.0.1:" + port;
        Process server = ServeLauncherTest.startServer(base, root, port);
        try {
            // A tenant with 64 KiB: the first pack (3 MiB of random data) does not fit.
            Path small = init(root, uri, "small", "64K");
            Path key = base.resolve("small.key");
            put(small, key, 3 << 20, "big.bin", "s1");
            Sh.Result full = pactfs("replicate", "--repo", small.toString(), "--key-file", key.toString(), "--once");
            assertEquals(1, full.exit(), full.toString());
            assertTrue(full.err().contains("pactfs: partner quota full: host " + uri), full.toString());
            assertTrue(full.err().contains("quota full: tenant small stores "), full.toString());
            assertFalse(full.err().contains("\tat "), "no stack trace: " + full);
            Sh.Result status = pactfs("status", "--repo", small.toString(), "--key-file", key.toString());
            assertTrue(status.out().contains("partner quota full"), status.toString());
            byte[] after = new byte[1000];
            Path f = Files.write(base.resolve("after.bin"), after);
            // The repo (and so the mount over it) keeps taking writes while the partner is full.
            pactfs("put", "--repo", small.toString(), "--key-file", key.toString(), f.toString(), "after.bin").ok();

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

    private Sh.Result pactfs(String... args) {
        return ServeLauncherTest.pactfs(base, args);
    }
}
