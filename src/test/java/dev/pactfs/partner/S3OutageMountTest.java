package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 server of a mounted repo's partner goes away during replication, first hung (its port accepts and never
 * answers, as a stalled gateway or a dropped route does), then down (connection refused). Writes into the mount go
 * on at local speed throughout; {@code replicate --once} fails with one line each time; once the server is back the
 * next pass completes and aborts the multipart upload an interrupted pass left in the bucket.
 */
@Tag("mount")
class S3OutageMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    /** A port that accepts connections and never answers: every request waits for its socket timeout. */
    private static final class BlackHole implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        BlackHole(int port) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", port));
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        held.add(server.accept());
                    }
                } catch (IOException closed) {
                    // close() ends the loop
                }
            }, "s3-black-hole");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (Socket s : held) {
                s.close(); // the blocked requests fail now (connection reset) instead of at their socket timeout
            }
        }
    }

    /** A write into the mount, synced, must not wait for the partner. */
    private void writeQuickly(String file) {
        Sh.Result w = fx.inMount("seq 1 200000 > " + file + " && sync && cmp " + file + " <(seq 1 200000)").ok();
        assertTrue(w.took().toSeconds() < 20, "a write into the mount took " + w.took() + " with the partner away");
    }

    /** replicate --once through the daemon: non-zero, one line on stderr, no stack trace. */
    private Sh.Result replicateFails(String why) {
        Sh.Result rep = fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once");
        assertNotEquals(0, rep.exit(), why + ": " + rep);
        List<String> lines = MountFixture.withoutProgress(rep.err());
        assertEquals(1, lines.size(), why + ": not one line: " + rep);
        assertFalse(rep.err().contains("\tat ") || rep.err().contains("Exception"), why + ": " + rep);
        assertFalse(rep.err().contains(S3ProxyFixture.SECRET_KEY), rep.toString());
        System.err.printf("S3OutageMountTest: %s: replicate exit %d in %d ms: %s%n", why, rep.exit(),
                rep.took().toMillis(), lines.get(0));
        return rep;
    }

    private static List<String> uploads(S3Client c, String prefix) {
        return c.listMultipartUploads(l -> l.bucket("pactfs").prefix(prefix)).uploads().stream()
                .map(u -> u.key()).toList();
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    // A short name: the daemon's control socket lives under /tmp/pactfs-mt-<name>-*/repo (108-byte limit).
    void s3Outage() throws Exception {
        Path s3dir = fx.base().resolve("s3");
        S3ProxyFixture s3 = S3ProxyFixture.start(s3dir);
        int port = s3.port();
        try {
            s3.createBucket("pactfs");
            Path creds = S3ProxyFixture.credentialsFile(fx.base().resolve("s3.credentials"));
            fx.pactfs(Duration.ofMinutes(3), "init", "--repo", fx.repo().toString(), "--partner", "s3://pactfs/acme",
                    "--s3-endpoint", s3.endpoint.toString(), "--s3-credentials-file", creds.toString()).ok();
            fx.mount("--partner-timeout", "2s");
            fx.inMount("seq 1 1000 > first.txt && sync").ok();
            fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();

            // Hung: the server stops and its port swallows requests.
            s3.close();
            s3 = null;
            Sh.Result hung;
            try (BlackHole hole = new BlackHole(port)) {
                writeQuickly("during-hang.txt");
                hung = replicateFails("hung S3 server");
                writeQuickly("during-hang-2.txt");
            }
            assertTrue(hung.err().contains("partner not responding"), hung.toString());

            // Down: nothing listens on the port.
            Sh.Result down = replicateFails("S3 server down");
            assertTrue(down.err().contains("127.0.0.1:" + port) || down.err().contains("partner not responding"),
                    down.toString());
            writeQuickly("during-outage.txt");

            // Back, with an upload a killed pass left (a part sent, never completed) in the copy.
            s3 = S3ProxyFixture.start(s3dir, port);
            String copy;
            try (S3Client c = s3.client()) {
                copy = c.listObjectsV2(l -> l.bucket("pactfs").prefix("acme/pactfs-").delimiter("/"))
                        .commonPrefixes().get(0).prefix();
                String key = copy + "packs/ab/" + "ab".repeat(32);
                String id = c.createMultipartUpload(m -> m.bucket("pactfs").key(key)).uploadId();
                c.uploadPart(u -> u.bucket("pactfs").key(key).uploadId(id).partNumber(1),
                        software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[1000]));
                assertEquals(List.of(key), uploads(c, copy));
            }
            fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();
            Sh.Result st = fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(), "--json").ok();
            assertTrue(st.out().contains("\"partner\":\"reachable\"") && st.out().contains("\"pending_blobs\":0,"),
                    st.out());
            try (S3Client c = s3.client()) {
                assertEquals(List.of(), uploads(c, copy), "the stale multipart upload is still there");
            }
            fx.unmount();
        } finally {
            if (s3 != null) {
                s3.close();
            }
        }
    }
}
