package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.PinnedTls;
import dev.pactfs.crypto.TlsIdentity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pactfs serve} attacked with raw HTTP/1.1 over pinned TLS 1.3: create-only objects, ranges, listings,
 * and a tenant that tries to leave its prefix (traversal, encoded slashes, planted symlinks, another tenant's
 * copy, overwrite, delete).
 */
class HostServerTest {

    static final String ID = "0123456789abcdef0123456789abcdef";
    static final String COPY = "pactfs-" + ID;
    static final byte[] CONFIG = ("pactfs-partner-copy\nformat=1\nrepo_id=" + ID + "\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path root;
    HostServer server;
    String hostPin;
    TlsIdentity alice = TlsIdentity.fromSeed(new byte[32]);
    TlsIdentity bob = TlsIdentity.fromSeed(filled(7));

    @BeforeEach
    void start() throws IOException {
        Tenants t = new Tenants(root);
        String a = t.pair("alice", 1L << 30);
        String b = t.pair("bob", 1L << 30);
        hostPin = HostKey.load(root).fingerprint();
        server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
        assertEquals(200, req(alice, "POST", "/v1/pair", null, "Pactfs-Pair-Secret: " + a).status);
        assertEquals(200, req(bob, "POST", "/v1/pair", null, "Pactfs-Pair-Secret: " + b).status);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void put_get_range_head_list() throws IOException {
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/config", CONFIG).status);
        byte[] pack = "pack bytes, any content".getBytes(StandardCharsets.US_ASCII);
        String name = sha256(pack);
        String packPath = "/v1/objects/" + COPY + "/packs/" + name.substring(0, 2) + "/" + name;
        assertEquals(201, req(alice, "PUT", packPath, pack).status);
        assertEquals(200, req(alice, "PUT", packPath, pack).status, "the same bytes again: a no-op");
        Resp whole = req(alice, "GET", packPath, null);
        assertArrayEquals(pack, whole.body);
        Resp range = req(alice, "GET", packPath, null, "Range: bytes=5-9");
        assertEquals(206, range.status);
        assertEquals("bytes", new String(range.body, StandardCharsets.US_ASCII));
        assertEquals(416, req(alice, "GET", packPath, null, "Range: bytes=100-").status);
        Resp head = req(alice, "HEAD", packPath, null);
        assertEquals(200, head.status);
        assertTrue(head.headers.contains("pactfs-size: " + pack.length), head.headers);
        assertEquals(COPY + "\n", req(alice, "GET", "/v1/list/", null).text());
        assertEquals(name + " " + pack.length + "\n", req(alice, "GET", "/v1/list/" + COPY + "/packs", null).text());
        assertEquals(404, req(alice, "GET", "/v1/objects/" + COPY + "/index/" + name, null).status);
        assertArrayEquals(pack, Files.readAllBytes(root.resolve("tenants/alice/data/" + COPY + "/packs/"
                + name.substring(0, 2) + "/" + name)));
    }

    @Test
    void nothingIsOverwrittenOrDeleted() throws IOException {
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/config", CONFIG).status);
        byte[] other = ("pactfs-partner-copy\nformat=1\nrepo_id=" + ID + "\nx=1\n").getBytes(StandardCharsets.US_ASCII);
        assertEquals(409, req(alice, "PUT", "/v1/objects/" + COPY + "/config", other).status);
        byte[] data = {1, 2, 3};
        String good = sha256(data);
        assertEquals(422, req(alice, "PUT", "/v1/objects/" + COPY + "/index/" + sha256(new byte[] {9}), data).status,
                "a name that is not the hash of the bytes");
        assertEquals(400, req(alice, "PUT", "/v1/objects/" + COPY + "/packs/00/" + good, data).status,
                "a pack under another name's directory");
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/index/" + good, data).status);
        assertEquals(405, req(alice, "DELETE", "/v1/objects/" + COPY + "/index/" + good, null).status);
        assertEquals(405, req(alice, "POST", "/v1/objects/" + COPY + "/index/" + good, data).status);
        assertArrayEquals(data, req(alice, "GET", "/v1/objects/" + COPY + "/index/" + good, null).body);
        assertArrayEquals(CONFIG, req(alice, "GET", "/v1/objects/" + COPY + "/config", null).body);
        byte[] wrongRepo = "pactfs-partner-copy\nformat=1\nrepo_id=ffffffffffffffffffffffffffffffff\n"
                .getBytes(StandardCharsets.US_ASCII);
        assertEquals(422, req(alice, "PUT", "/v1/objects/pactfs-" + "1".repeat(32) + "/config", wrongRepo).status);
    }

    @Test
    void aTenantSeesOnlyItsOwnPrefix() throws IOException {
        byte[] secret = "alice's index".getBytes(StandardCharsets.US_ASCII);
        String n = aliceStores(secret);
        assertEquals(404, req(bob, "GET", "/v1/objects/" + COPY + "/index/" + n, null).status);
        assertEquals("", req(bob, "GET", "/v1/list/", null).text());
        for (String attack : new String[] {
                "/v1/objects/../../tenants/alice/data/" + COPY + "/index/" + n,
                "/v1/objects/" + COPY + "/../../../alice/data/" + COPY + "/index/" + n,
                "/v1/objects/..%2f..%2f..%2falice%2fdata%2f" + COPY + "%2findex%2f" + n,
                "/v1/objects/%2e%2e/%2e%2e/alice/data/" + COPY + "/index/" + n,
                "/v1/objects/" + COPY + "%2findex%2f" + n,
                "/v1/objects//" + COPY + "/index/" + n,
                "/v1/objects/" + COPY + "/index/" + n + "/",
                "/v1/objects/" + COPY + "/index/" + n.toUpperCase(),
                "/v1/objects/" + COPY + "/host.key"}) {
            Resp r = req(bob, "GET", attack, null);
            assertEquals(400, r.status, attack);
            assertFalse(new String(r.body, StandardCharsets.US_ASCII).contains("alice's"), attack);
        }
        for (String attack : new String[] {"/v1/list/..", "/v1/list/../alice/data", "/v1/list/" + COPY + "/../..",
                "/v1/list/%2e%2e"}) {
            assertEquals(400, req(bob, "GET", attack, null).status, attack);
        }
        assertEquals(404, req(bob, "GET", "/v1/../host.key", null).status);
        // Bob cannot overwrite Alice's objects either: his PUT lands in his own prefix.
        assertEquals(409, req(bob, "PUT", "/v1/objects/" + COPY + "/index/" + n, secret).status,
                "bob's prefix has no config for this copy");
        assertFalse(Files.exists(root.resolve("tenants/bob/data/" + COPY)));
    }

    @Test
    void plantedSymlinksAreRefused() throws IOException {
        byte[] secret = "alice's index".getBytes(StandardCharsets.US_ASCII);
        String n = aliceStores(secret);
        Path aliceCopy = root.resolve("tenants/alice/data/" + COPY);
        // A link as bob's copy directory, as a directory inside it, and as bob's whole prefix.
        Files.createSymbolicLink(root.resolve("tenants/bob/data/" + COPY), aliceCopy);
        assertLeaksNothing(req(bob, "GET", "/v1/objects/" + COPY + "/index/" + n, null));
        assertLeaksNothing(req(bob, "GET", "/v1/objects/" + COPY + "/config", null));
        assertEquals("", req(bob, "GET", "/v1/list/", null).text());
        Files.delete(root.resolve("tenants/bob/data/" + COPY));
        Path bobCopy = Files.createDirectories(root.resolve("tenants/bob/data/" + COPY));
        Files.write(bobCopy.resolve("config"), CONFIG);
        Files.createSymbolicLink(bobCopy.resolve("index"), aliceCopy.resolve("index"));
        assertLeaksNothing(req(bob, "GET", "/v1/objects/" + COPY + "/index/" + n, null));
        assertFalse(req(bob, "GET", "/v1/list/" + COPY + "/index", null).text().contains(n), "listed through the link");
        byte[] mine = {4, 5};
        assertTrue(req(bob, "PUT", "/v1/objects/" + COPY + "/index/" + sha256(mine), mine).status >= 400);
        assertFalse(Files.exists(aliceCopy.resolve("index/" + sha256(mine))), "written through the link");
        Path data = root.resolve("tenants/bob/data");
        Files.move(data, root.resolve("bob-data-elsewhere"));
        Files.createSymbolicLink(data, root.resolve("tenants/alice/data"));
        assertLeaksNothing(req(bob, "GET", "/v1/objects/" + COPY + "/index/" + n, null));
        assertLeaksNothing(req(bob, "GET", "/v1/list/", null));        // Bob's whole tenant directory a link to Alice's: bob's key then belongs to no tenant at all.
        Files.move(root.resolve("tenants/bob"), root.resolve("bob-elsewhere"));
        Files.createSymbolicLink(root.resolve("tenants/bob"), root.resolve("tenants/alice"));
        assertEquals(403, req(bob, "GET", "/v1/objects/" + COPY + "/index/" + n, null).status);
        assertEquals(200, req(alice, "GET", "/v1/objects/" + COPY + "/index/" + n, null).status);
    }

    @Test
    void strangersAndOldTlsAreRefused() throws IOException {
        TlsIdentity stranger = TlsIdentity.fromSeed(filled(9));
        assertEquals(403, req(stranger, "GET", "/v1/list/", null).status);
        Tenants t = new Tenants(root);
        String secret = t.pair("carol", 1);
        assertEquals(200, req(stranger, "POST", "/v1/pair", null, "Pactfs-Pair-Secret: " + secret).status);
        assertEquals(403, req(alice, "POST", "/v1/pair", null, "Pactfs-Pair-Secret: " + secret).status,
                "a secret is spent once");
        assertEquals(200, req(stranger, "GET", "/v1/list/", null).status);
        assertThrows(IOException.class, () -> req(alice, "GET", "/v1/list/", null, null, "0".repeat(64), "TLSv1.3"),
                "a client pinned to another host key");
        assertThrows(IOException.class, () -> req(alice, "GET", "/v1/list/", null, null, hostPin, "TLSv1.2"));
    }

    /** Alice's copy with its config and one index file {@code content}; returns the file's name. */
    private String aliceStores(byte[] content) throws IOException {
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/config", CONFIG).status);
        String n = sha256(content);
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/index/" + n, content).status);
        return n;
    }

    private static void assertLeaksNothing(Resp r) {
        assertTrue(r.status >= 400, "status " + r.status);
        assertFalse(new String(r.body, StandardCharsets.US_ASCII).contains("alice"), r.text());
        assertFalse(new String(r.body, StandardCharsets.US_ASCII).contains("pactfs-partner-copy"), r.text());
    }
    @Test
    void aBodyPastThePackMaximumIsRefusedUnread() throws Exception {
        assertEquals(dev.pactfs.partner.PartnerTargets.MAX_OBJECT_BYTES, TenantStore.MAX_OBJECT_BYTES);
        assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/config", CONFIG).status);
        String n = sha256(new byte[] {1});
        // Only the headers go out: the host must answer from Content-Length, not wait for 80 MiB it would hold.
        SSLContext ctx = PinnedTls.client(alice, hostPin);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(("PUT /v1/objects/" + COPY + "/index/" + n + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\nContent-Length: " + (TenantStore.MAX_OBJECT_BYTES + 1) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // The status line only: the JDK server then waits to drain the body this client never sends.
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            assertTrue(status.startsWith("HTTP/1.1 413 "), status);
        }
    }

    @Test
    void parallelUploadsOfOneObjectAreCountedOnceAndConfigsAreNeverReplaced() throws Exception {
        String other = "pactfs-" + "2".repeat(32);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            byte[] pack = new byte[200_000];
            new java.util.Random(3).nextBytes(pack);
            String name = sha256(pack);
            assertEquals(201, req(alice, "PUT", "/v1/objects/" + COPY + "/config", CONFIG).status);
            String packPath = "/v1/objects/" + COPY + "/packs/" + name.substring(0, 2) + "/" + name;
            java.util.List<java.util.concurrent.Future<Integer>> puts = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                puts.add(pool.submit(() -> req(alice, "PUT", packPath, pack).status));
            }
            int created = 0;
            for (var f : puts) {
                int st = f.get();
                assertTrue(st == 201 || st == 200, "status " + st);
                created += st == 201 ? 1 : 0;
            }
            assertEquals(1, created);
            assertEquals((CONFIG.length + pack.length) + " " + (1L << 30), req(alice, "GET", "/v1/usage", null).text().trim());
            // Two different configs of one new copy at once: one is stored, the other refused, never replaced.
            java.util.List<java.util.concurrent.Future<Integer>> configs = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                byte[] c = ("pactfs-partner-copy\nformat=1\nrepo_id=" + "2".repeat(32) + "\nv=" + i + "\n")
                        .getBytes(StandardCharsets.US_ASCII);
                configs.add(pool.submit(() -> req(alice, "PUT", "/v1/objects/" + other + "/config", c).status));
            }
            int stored = 0;
            for (var f : configs) {
                int st = f.get();
                assertTrue(st == 201 || st == 409, "status " + st);
                stored += st == 201 ? 1 : 0;
            }
            assertEquals(1, stored);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSecondDaemonOnOneRootIsRefused() throws IOException {
        IOException e = assertThrows(IOException.class,
                () -> HostServer.start(root, new InetSocketAddress("127.0.0.1", 0)).close());
        assertTrue(HostServer.isRootInUse(e), e.toString());
        assertTrue(e.getMessage().startsWith("another pactfs serve already serves "), e.getMessage());
        dev.pactfs.cli.CliRun.Result cli = dev.pactfs.cli.CliRun.run("serve", "--root", root.toString(), "--listen",
                "127.0.0.1:0");
        assertEquals(1, cli.exit(), cli.toString());
        assertEquals(1, cli.err().lines().count(), cli.toString());
        assertTrue(cli.err().contains("another pactfs serve already serves " + root), cli.toString());
        server.close();
        server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0)); // the lock went with the first
    }

    record Resp(int status, String headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.US_ASCII);
        }
    }

    Resp req(TlsIdentity who, String method, String path, byte[] body, String... header) throws IOException {
        return req(who, method, path, body, header.length == 0 ? null : header[0], hostPin, "TLSv1.3");
    }

    /** One raw HTTP/1.1 request: the path goes on the wire exactly as written, no client normalises it. */
    Resp req(TlsIdentity who, String method, String path, byte[] body, String header, String pin, String protocol)
            throws IOException {
        try {
            SSLContext ctx = PinnedTls.client(who, pin);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", server.port())) {
                s.setEnabledProtocols(new String[] {protocol});
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                StringBuilder h = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Connection: close\r\n");
                if (header != null) {
                    h.append(header).append("\r\n");
                }
                h.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
                out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
                if (body != null) {
                    out.write(body);
                }
                out.flush();
                return parse(s.getInputStream(), method.equals("HEAD"));
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static Resp parse(InputStream in, boolean head) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        byte[] b = all.toByteArray();
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int end = s.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IOException("no HTTP response: " + s);
        }
        String headers = s.substring(0, end).toLowerCase();
        int status = Integer.parseInt(headers.substring(9, 12));
        byte[] rest = java.util.Arrays.copyOfRange(b, end + 4, b.length);
        if (headers.contains("transfer-encoding: chunked")) {
            rest = unchunk(rest);
        }
        return new Resp(status, headers, head ? new byte[0] : rest);
    }

    private static byte[] unchunk(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < b.length) {
            int nl = i;
            while (b[nl] != '\r') {
                nl++;
            }
            int len = Integer.parseInt(new String(b, i, nl - i, StandardCharsets.US_ASCII).trim(), 16);
            if (len == 0) {
                break;
            }
            out.write(b, nl + 2, len);
            i = nl + 2 + len + 2;
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[32];
        java.util.Arrays.fill(b, (byte) v);
        return b;
    }
}
