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
 * audit; then {@code recover} from the host with the key alone restores the data byte for byte.
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
            // The daemon lost too: the host's directory is a plain partner copy that recovers without it.
            assertTrue(Files.readString(base.resolve("serve.log")).contains("host key " + hostKey), "serve names its key");
            Path rec2 = base.resolve("rec2");
            pactfs("recover", "--partner", root.resolve("tenants/acme/data").toString(), "--repo", rec2.toString(),
                    "--key-file", key.toString()).ok();
            Path out2 = base.resolve("out2");
            pactfs("restore", "--repo", rec2.toString(), "--key-file", key.toString(), "s1", out2.toString()).ok();
            assertArrayEquals(data, Files.readAllBytes(out2.resolve("data.bin")));
            // The recovered repo reconnects to the same host with the derived key and no other state.
            pactfs("replicate", "--repo", rec.toString(), "--key-file", key.toString(), "--once").ok();

            // A second tenant pairs an existing repo with `partner set`; a spent code pairs nobody.
            Path pair2 = base.resolve("pair2");
            Files.writeString(pair2, pactfs("serve", "pair", "--root", root.toString(), "--tenant", "beta",
                    "--quota", "10M").ok().out());
            Path repo2 = base.resolve("repo2");
            Path key2 = base.resolve("key2");
            Matcher id2 = Pattern.compile("\\(id ([0-9a-f]{32})\\)").matcher(
                    pactfs("init", "--repo", repo2.toString(), "--key-file", key2.toString()).ok().err());
            assertTrue(id2.find());
            Sh.Result set = pactfs("partner", "set", "--repo", repo2.toString(), "--key-file", key2.toString(), uri,
                    "--pair-file", pair2.toString()).ok();
            assertTrue(set.err().contains("(tenant beta,"), set.toString());
            pactfs("replicate", "--repo", repo2.toString(), "--key-file", key2.toString(), "--once").ok();
            assertTrue(count(root.resolve("tenants/beta/data/pactfs-" + id2.group(1) + "/manifests")) > 0);
            assertFalse(Files.exists(root.resolve("tenants/acme/data/pactfs-" + id2.group(1))), "in acme's prefix");
            Sh.Result spent = pactfs("partner", "set", "--repo", base.resolve("rec").toString(), "--key-file",
                    key.toString(), uri, "--pair-file", pair2.toString());
            assertNotEquals(0, spent.exit(), spent.toString());
            assertTrue(spent.err().contains("HTTP 403"), spent.toString());
            assertEquals(1, spent.err().strip().lines().filter(l -> l.startsWith("pactfs:")).count(), spent.toString());
        } finally {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    private Sh.Result pactfs(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(base, Map.of(), T, argv);
    }

    private Process startServer(Path root, int port) throws IOException, InterruptedException {
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

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).count();
        }
    }
}
