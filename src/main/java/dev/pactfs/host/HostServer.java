package dev.pactfs.host;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.pactfs.crypto.PinnedTls;
import dev.pactfs.crypto.TlsIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pactfs serve}: the host's HTTPS daemon (docs/format.md, "The serve API"). TLS 1.3 only, the host's key
 * pinned by the client, the client's key mapped to its tenant by {@link Tenants}; every request but pairing
 * from a key no tenant holds is refused. Each tenant reaches only its own prefix through {@link TenantStore}.
 */
public final class HostServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HostServer.class);

    /** Handler threads: the daemon is I/O bound and shares its machine; a few parallel uploads are plenty. */
    private static final int THREADS = 4;

    /**
     * Uploads whose bodies are read at once: each holds up to {@link TenantStore#MAX_OBJECT_BYTES} on the heap, and
     * the daemon shares a small one (-Xmx640m), so two at a time (160 MiB) leave room; the others wait unread.
     */
    static final int UPLOADS_IN_FLIGHT = 2;

    private final java.util.concurrent.Semaphore uploads = new java.util.concurrent.Semaphore(UPLOADS_IN_FLIGHT, true);

    private final HttpsServer server;
    private final ExecutorService pool;
    private final Tenants tenants;
    private final Usage usage;
    private final String hostKey;
    private final RootLock rootLock;

    private HostServer(HttpsServer server, ExecutorService pool, Tenants tenants, Usage usage, String hostKey,
            RootLock rootLock) {
        this.rootLock = rootLock;
        this.server = server;
        this.pool = pool;
        this.tenants = tenants;
        this.usage = usage;
        this.hostKey = hostKey;
    }

    /**
     * Starts serving {@code root} on {@code listen} (port 0: any free port, see {@link #port()}).
     *
     * @throws IOException also when another daemon serves {@code root} ({@link #isRootInUse})
     */
    public static HostServer start(Path root, InetSocketAddress listen) throws IOException {
        TlsIdentity host = HostKey.load(root);
        RootLock lock = RootLock.acquire(root);
        try {
            return start(root, listen, host, lock);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Whether {@code e} says that another daemon already serves the directory (a user error, one line). */
    public static boolean isRootInUse(IOException e) {
        return e instanceof RootLock.InUseException;
    }

    private static HostServer start(Path root, InetSocketAddress listen, TlsIdentity host, RootLock lock)
            throws IOException {
        SSLContext ctx;
        try {
            ctx = PinnedTls.server(host);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
        HttpsServer s = HttpsServer.create(listen, 64);
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                params.setSSLParameters(PinnedTls.parameters(ctx, true));
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "pactfs-serve");
            t.setDaemon(true);
            return t;
        });
        Tenants tenants = new Tenants(root);
        HostServer hs = new HostServer(s, pool, tenants, Usage.scan(tenants), host.fingerprint(), lock);
        s.createContext("/", hs::handle);
        s.setExecutor(pool);
        s.start();
        log.info("serving {} on {} (host key {})", root, s.getAddress(), host.fingerprint());
        return hs;
    }

    /** Prefix of a pairing code: {@code pactfs-pair-1:<host key fingerprint>:<one-time secret>}. */
    public static final String PAIR_CODE_PREFIX = "pactfs-pair-1:";

    /**
     * Adds tenant {@code name} under {@code root} (or re-arms its pairing) and returns its pairing code. The
     * secret is stored only as its SHA-256 and is spent by the first client that presents it.
     *
     * @throws IllegalArgumentException the name is not a valid tenant name
     */
    public static String pair(Path root, String name, long quotaBytes) throws IOException {
        TlsIdentity host = HostKey.load(root);
        String secret = new Tenants(root).pair(name, quotaBytes);
        return PAIR_CODE_PREFIX + host.fingerprint() + ":" + secret;
    }

    /** The fingerprint of the host's TLS key, which tenants pin. */
    public String hostKey() {
        return hostKey;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) {
        // Not try-with-resources: that would close the exchange before the catch could still answer 500.
        try {
            String path = ex.getRequestURI().getRawPath();
            String fp = clientKey((HttpsExchange) ex);
            if (path.equals("/v1/pair") && ex.getRequestMethod().equals("POST")) {
                String secret = ex.getRequestHeaders().getFirst("Pactfs-Pair-Secret");
                String mkey = ex.getRequestHeaders().getFirst("Pactfs-Manifest-Key");
                if (mkey != null && !Tenants.validManifestKey(mkey.trim())) {
                    reply(ex, 400, "Pactfs-Manifest-Key must be 64 lower-case hex digits");
                    return;
                }
                Optional<String> t = secret == null ? Optional.empty()
                        : tenants.redeem(secret.trim(), fp, mkey == null ? null : mkey.trim());
                if (t.isEmpty()) {
                    reply(ex, 403, "unknown or spent pairing secret");
                } else {
                    log.info("tenant {} paired with client key {}{}", t.get(), fp, mkey == null
                            ? " (no manifest key: its first manifest's key will be adopted)" : " and manifest key " + mkey.trim());
                    reply(ex, 200, t.get());
                }
                return;
            }
            Optional<String> tenant = tenants.byClient(fp);
            if (tenant.isEmpty()) {
                reply(ex, 403, "client key " + fp + " is paired with no tenant");
                return;
            }
            new TenantStore(tenants, usage, tenant.get(), uploads).handle(ex, path);
        } catch (IOException | RuntimeException e) {
            log.warn("request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getRawPath(), e.toString());
            try {
                reply(ex, 500, "host error");
            } catch (IOException | RuntimeException ignored) {
                // headers already sent or the connection is gone: nothing more to tell the client
            }
        } finally {
            ex.close();
        }
    }

    private static String clientKey(HttpsExchange ex) throws IOException {
        try {
            Certificate[] chain = ex.getSSLSession().getPeerCertificates();
            return TlsIdentity.fingerprint(chain[0]);
        } catch (SSLPeerUnverifiedException e) {
            throw new IOException("no client certificate", e); // cannot happen: the handshake requires one
        }
    }

    /** A one-line text reply. */
    static void reply(HttpExchange ex, int status, String line) throws IOException {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The request body, refused (null) beyond {@code max} bytes. */
    static byte[] body(HttpExchange ex, long max) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            return b.length > max ? null : b;
        }
    }

    @Override
    public void close() {
        server.stop(1);
        pool.shutdownNow();
        try {
            rootLock.close();
        } catch (IOException e) {
            log.warn("cannot release {}: {}", "serve.lock", e.toString());
        }
    }
}
