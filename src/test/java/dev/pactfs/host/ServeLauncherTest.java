package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole round through the launcher, as a host and a tenant would run it: {@code serve pair} prints a code,
 * {@code serve} runs, {@code init --partner pactfs://… --pair-file} pairs with it, put, snapshot, replicate,
 * audit, status; then {@code recover} from the host with the key alone restores the data byte for byte, and the
 * recovered repo replicates to the host again with no saved state but the key.
 */
class ServeLauncherTest {

    static final Duration T = Duration.ofMinutes(3);

    @TempDir
    Path base;

    @Test
    void replicateAuditAndRecoverThroughServe() throws Exception {
        Path root = base.resolve("host");
        Sh.Result pair = pactfs("serve", "pair", "--root", root.toString(), "--tenant", "acme", "--quota", "1G").ok();
        String code = pair.out().strip();
        assertTrue(code.matches("pactfs-pair-1:[0-9a-f]{64}:[0-9a-f]{64}"), pair.toString());
        String hostKey = code.split(":")[1];
        Path pairFile = base.resolve("pair");
        Files.writeString(pairFile, code + "\n");
        int port = freePort();
        Process server = startServer(root, port);
        try {
            String uri = "pactfs://127.0.0.1:" + port;
            Path repo = base.resolve("repo");
            Path key = base.resolve("key");
            Sh.Result init = pactfs("init", "--repo", repo.toString(), "--partner", uri, "--pair-file",
                    pairFile.toString(), "--key-file", key.toString()).ok();
            assertTrue(init.err().contains("paired with " + uri + " as tenant acme"), init.toString());
            Matcher id = Pattern.compile("\\(id ([0-9a-f]{32})\\)").matcher(init.err());
            assertTrue(id.find(), init.toString());
            String repoId = id.group(1);

            byte[] data = new byte[3 << 20];
            new Random(18).nextBytes(data);
            Path file = Files.write(base.resolve("data.bin"), data);
            pactfs("put", "--repo", repo.toString(), "--key-file", key.toString(), file.toString(), "data.bin").ok();
            pactfs("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", "s1").ok();
            pactfs("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once").ok();
            Sh.Result audit = pactfs("audit", "--repo", repo.toString(), "--key-file", key.toString(), "--sample", "100").ok();
            assertTrue(audit.out().contains("all match"), audit.toString());

            pactfs("status", "--repo", repo.toString(), "--key-file", key.toString()).ok();
            Path copy = root.resolve("tenants/acme/data/pactfs-" + repoId);
            assertTrue(count(copy.resolve("packs")) > 0, "packs at the host");
            assertTrue(count(copy.resolve("manifests")) > 0, "a manifest at the host");

            Sh.Result wrong = pactfs("recover", "--partner", uri + "/pactfs-" + repoId, "--host-key", "0".repeat(64),
                    "--repo", base.resolve("nope").toString(), "--key-file", key.toString());
            assertNotEquals(0, wrong.exit(), wrong.toString());
            assertTrue(wrong.err().contains("is not the paired key"), wrong.toString());
            assertFalse(wrong.err().contains("\tat "), "no stack trace: " + wrong);

            Path rec = base.resolve("rec");
            Sh.Result recover = pactfs("recover", "--partner", uri + "/pactfs-" + repoId, "--host-key", hostKey,
                    "--repo", rec.toString(), "--key-file", key.toString()).ok();
            assertTrue(recover.out().contains("every directory listing decoded: yes"), recover.toString());
            Path out = base.resolve("out");
            pactfs("restore", "--repo", rec.toString(), "--key-file", key.toString(), "s1", out.toString()).ok();
            assertArrayEquals(data, Files.readAllBytes(out.resolve("data.bin")));
            // The recovered repo reconnects to the same host with the derived key and no other state.
            pactfs("replicate", "--repo", rec.toString(), "--key-file", key.toString(), "--once").ok();

        } finally {
            stop(server);
        }
    }

    static void stop(Process server) throws InterruptedException {
        server.destroy();
        if (!server.waitFor(30, TimeUnit.SECONDS)) {
            server.destroyForcibly();
        }
    }

    private Sh.Result pactfs(String... args) {
        return pactfs(base, args);
    }

    static Sh.Result pactfs(Path base, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(base, Map.of(), T, argv);
    }

    private Process startServer(Path root, int port) throws IOException, InterruptedException {
        return startServer(base, root, port);
    }

    static Process startServer(Path base, Path root, int port) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(MountFixture.launcher().toString(), "serve", "--root", root.toString(),
                "--listen", "127.0.0.1:" + port);
        pb.redirectErrorStream(true);
        pb.redirectOutput(base.resolve("serve.log").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + T.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("serve exited: " + Files.readString(base.resolve("serve.log")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        p.destroyForcibly();
        throw new AssertionError("serve did not listen: " + Files.readString(base.resolve("serve.log")));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
