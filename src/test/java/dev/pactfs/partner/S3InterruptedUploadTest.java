package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.store.S3Partner;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 server goes away in the middle of a multipart pack upload (a TCP relay in front of s3proxy cuts every
 * connection after a part and a bit, and refuses new ones): the save fails with one IOException, its abort cannot
 * reach the server either, so the upload is left; no object appears under the pack's name. With the server back,
 * {@code cleanup()} (the start of the next pass) aborts the upload and the pack then goes up whole.
 */
@Timeout(120)
class S3InterruptedUploadTest {

    @TempDir
    Path tmp;

    /** Relays 127.0.0.1:port to the server; once armed, cuts everything after that many bytes towards it. */
    private static final class Relay implements AutoCloseable {
        private final int target;
        private final List<Socket> open = new CopyOnWriteArrayList<>();
        private final AtomicLong sent = new AtomicLong();
        private volatile long cutAfter = Long.MAX_VALUE;
        private volatile ServerSocket server;
        final int port;

        Relay(int target) throws IOException {
            this.target = target;
            this.port = listen(0);
        }

        private int listen(int p) throws IOException {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", p));
            server = s;
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        Socket client = s.accept();
                        Socket up = new Socket("127.0.0.1", target);
                        open.add(client);
                        open.add(up);
                        pump(client, up, true);
                        pump(up, client, false);
                    }
                } catch (IOException closed) {
                    // cut() or close()
                }
            }, "s3-relay");
            t.setDaemon(true);
            t.start();
            return s.getLocalPort();
        }

        private void pump(Socket from, Socket to, boolean upstream) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 << 10];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        if (upstream && sent.addAndGet(n) > cutAfter) {
                            cut();
                            return;
                        }
                    }
                } catch (IOException e) {
                    // a side closed
                }
            }, "s3-relay-pump");
            t.setDaemon(true);
            t.start();
        }

        /** From now on, cut after {@code bytes} more towards the server. */
        void armCutAfter(long bytes) {
            cutAfter = sent.get() + bytes;
        }

        /** The server "stops": every connection dropped, new ones refused. */
        void cut() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            open.clear();
        }

        /** The server is back on the same port. */
        void restore() throws IOException {
            cutAfter = Long.MAX_VALUE;
            listen(port);
        }

        @Override
        public void close() {
            cut();
        }
    }

    private static List<String> uploads(S3Client c, String prefix) {
        return c.listMultipartUploads(l -> l.bucket("bkt").prefix(prefix)).uploads().stream().map(u -> u.key()).toList();
    }

    @Test
    void aPackUploadCutOffMidwayIsLeftUnpublishedAndAbortedByTheNextCleanup() throws Exception {
        try (S3ProxyFixture s3 = S3ProxyFixture.start(tmp.resolve("s3")); Relay relay = new Relay(s3.port());
             S3Client direct = s3.client()) {
            s3.createBucket("bkt");
            S3Partner partner = S3Partner.parse("s3://bkt/site/acme", "http://127.0.0.1:" + relay.port, "us-east-1",
                    S3ProxyFixture.credentialsFile(tmp.resolve("creds")));
            String copy = partner.copyPrefix("r1");
            byte[] pack = new byte[16 << 20];
            new Random(7).nextBytes(pack);
            String name = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(pack));
            try (S3Target t = new S3Target(S3Target.client(partner), "bkt", copy, 5 << 20)) {
                t.capabilities(); // the probe's requests go before the cut is armed

                relay.armCutAfter(7L << 20); // the first 5 MiB part and part of the second
                IOException e = assertThrows(IOException.class, () -> t.save(PartnerTarget.Kind.PACK, name, pack));
                assertFalse(PartnerTarget.isNotFound(e), e.toString());
                assertTrue(e.getMessage().startsWith("S3 upload of s3://bkt/" + copy + "packs/"), e.getMessage());
                assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());

                // Seen by the server itself: the upload is there, the pack is not.
                assertEquals(List.of(t.key(PartnerTarget.Kind.PACK, name)), uploads(direct, copy));
                assertTrue(direct.listObjectsV2(l -> l.bucket("bkt").prefix(t.key(PartnerTarget.Kind.PACK, name)))
                        .contents().isEmpty());

                relay.restore();
                assertEquals(1, t.cleanup());
                assertEquals(List.of(), uploads(direct, copy));
                t.save(PartnerTarget.Kind.PACK, name, pack);
                assertArrayEquals(pack, t.load(PartnerTarget.Kind.PACK, name));
                assertEquals(List.of(name), t.list(PartnerTarget.Kind.PACK));
            }
        }
    }
}
