package dev.pactfs.partner;

import dev.pactfs.crypto.PinnedTls;
import dev.pactfs.crypto.TlsIdentity;
import java.io.EOFException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The copy {@code pactfs-<repo-id>/} at a {@code pactfs serve} host ({@code partner=pactfs://HOST:PORT}), over
 * the serve API of docs/format.md with the JDK's HTTP client: TLS 1.3, the host's key pinned, this tenant's key
 * derived from the master key. The host publishes atomically and durably before it answers a PUT, so
 * {@link #save} keeps the {@link PartnerTarget} contract.
 *
 * <p>Departs from the contract in one place: the host has <b>no delete verb</b> (a compromised home must not be
 * able to erase the copy). {@link #delete} is therefore a logged no-op: what prune or a pass would delete stays
 * at the host, still listed, until host-side expiry by manifest exists (issue 18). Thread-safe.
 */
final class ServeTarget implements PartnerTarget {

    private static final Logger log = LoggerFactory.getLogger(ServeTarget.class);

    /** How long a request may take before the partner counts as unreachable; the timed wrapper bounds it too. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);

    private final HttpClient http;
    private final String base;
    private final String copy;
    private final AtomicBoolean warnedDelete = new AtomicBoolean();

    private ServeTarget(HttpClient http, String hostPort, String copy) {
        this.http = http;
        this.base = "https://" + hostPort;
        this.copy = copy;
    }

    /** A target on copy {@code pactfs-<repoId>} of the host at {@code hostPort}, whose key is {@code hostPin}. */
    static ServeTarget open(String hostPort, String hostPin, TlsIdentity me, String repoId) throws IOException {
        return new ServeTarget(client(hostPin, me), hostPort, "pactfs-" + repoId);
    }

    static HttpClient client(String hostPin, TlsIdentity me) throws IOException {
        try {
            SSLContext ctx = PinnedTls.client(me, hostPin);
            return HttpClient.newBuilder().sslContext(ctx).sslParameters(PinnedTls.parameters(ctx, false))
                    .connectTimeout(Duration.ofSeconds(30)).version(HttpClient.Version.HTTP_1_1).build();
        } catch (GeneralSecurityException e) {
            throw new PartnerUnavailableException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Spends the one-time pairing {@code secret} at the host, binding {@code me}'s key to the tenant the secret
     * was made for; returns the tenant's name.
     */
    static String pair(String hostPort, String hostPin, TlsIdentity me, String secret, byte[] manifestKey)
            throws IOException {
        ServeTarget t = new ServeTarget(client(hostPin, me), hostPort, null);
        // The manifest signing key goes with the pairing: from then on the host accepts only manifests it signed.
        HttpResponse<byte[]> r = t.send(HttpRequest.newBuilder(t.uri("/v1/pair"))
                .header("Pactfs-Pair-Secret", secret).header("Pactfs-Manifest-Key", ManifestHeaders.hex(manifestKey))
                .POST(HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() != 200) {
            throw t.refused("pairing", r);
        }
        return new String(r.body(), StandardCharsets.UTF_8).trim();
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(object(kind, name))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)));
        if (r.statusCode() == 507) {
            throw new PartnerQuotaException("partner quota full: host " + location() + " refused the upload of "
                    + path(kind, name) + ": " + new String(r.body(), StandardCharsets.UTF_8).trim());
        }
        if (r.statusCode() != 200 && r.statusCode() != 201 && r.statusCode() != 204) {
            throw refused("upload of " + path(kind, name), r);
        }
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(object(kind, name)).GET();
        if (offset > 0 || length >= 0) {
            if (length == 0) {
                stat(kind, name); // an empty range: only whether the file exists matters
                return new byte[0];
            }
            b.header("Range", "bytes=" + offset + "-" + (length < 0 ? "" : Long.toString(offset + length - 1)));
        }
        HttpResponse<byte[]> r = send(b, Math.max(SMALL_REPLY_BYTES, length >= 0 ? length : PackFile.MAX_PACK_BYTES));
        if (r.statusCode() == 404) {
            throw new NoSuchFileException(location() + "/" + path(kind, name));
        }
        if (r.statusCode() == 416) {
            throw new EOFException(location() + "/" + path(kind, name) + ": range past the end");
        }
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            throw refused("download of " + path(kind, name), r);
        }
        if (length >= 0 && r.body().length != length) {
            throw new EOFException(location() + "/" + path(kind, name) + ": " + r.body().length + " of " + length
                    + " bytes from " + offset);
        }
        return r.body();
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(object(kind, name))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        if (r.statusCode() == 404) {
            throw new NoSuchFileException(location() + "/" + path(kind, name));
        }
        String size = r.headers().firstValue("Pactfs-Size").orElse(null);
        if (r.statusCode() != 200 || size == null || !size.matches("\\d{1,18}")) {
            throw refused("stat of " + path(kind, name), r);
        }
        return Long.parseLong(size);
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        return new ArrayList<>(sizes(kind).keySet());
    }

    @Override
    public SortedMap<String, Long> sizes(Kind kind) throws IOException {
        SortedMap<String, Long> out = new TreeMap<>();
        for (String line : listing(copy + "/" + dir(kind))) {
            int sp = line.indexOf(' ');
            if (sp < 0 || !line.substring(sp + 1).matches("\\d{1,18}")) {
                throw new PartnerUnavailableException("host " + base + " sent a malformed listing line: "
                        + (line.length() > 100 ? line.substring(0, 100) + "..." : line));
            }
            out.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1)));
        }
        return out;
    }

    /** The copies ({@code pactfs-<id>}) this tenant holds at the host. */
    List<String> copies() throws IOException {
        return listing("");
    }

    private List<String> listing(String prefix) throws IOException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/list/" + prefix)).GET(), LISTING_REPLY_BYTES);
        if (r.statusCode() != 200) {
            throw refused("listing of " + prefix, r);
        }
        List<String> out = new ArrayList<>();
        for (String line : new String(r.body(), StandardCharsets.US_ASCII).split("\n")) {
            if (!line.isEmpty()) {
                out.add(line);
            }
        }
        return out;
    }

    @Override
    public void delete(Kind kind, String name) {
        if (warnedDelete.compareAndSet(false, true)) {
            log.warn("{} deletes nothing on request: {} and later deletions stay at the host", base, path(kind, name));
        }
    }

    @Override
    public int cleanup() {
        return 0; // the host publishes atomically; no temp files are visible to a tenant
    }

    /** What is left of the tenant's quota at the host (its own count of the bytes it stores for the tenant). */
    @Override
    public long usableSpace() throws IOException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/usage")).GET());
        String[] p = new String(r.body(), StandardCharsets.US_ASCII).trim().split(" ");
        if (r.statusCode() != 200 || p.length != 2 || !p[0].matches("\\d{1,18}") || !p[1].matches("\\d{1,18}")) {
            throw refused("usage query", r);
        }
        return Math.max(0, Long.parseLong(p[1]) - Long.parseLong(p[0]));
    }

    /** The host's head for this copy: the host accepts only the manifest that follows it. */
    @Override
    public ManifestHead manifestHead() throws IOException {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/head/" + copy)).GET());
        ManifestHead h = r.statusCode() == 200 ? ManifestHead.parse(new String(r.body(), StandardCharsets.US_ASCII)) : null;
        if (h == null) {
            throw refused("manifest head query", r);
        }
        return h;
    }

    /** {@code POST /v1/challenge}: the host hashes the range itself; 32 bytes come back. */
    @Override
    public byte[] challenge(Kind kind, String name, long offset, int length, byte[] nonce) throws IOException {
        String p = copy + "/" + path(kind, name);
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(uri("/v1/challenge")).POST(HttpRequest.BodyPublishers
                .ofString(new Challenge(p, offset, length, nonce).line(), StandardCharsets.US_ASCII)));
        if (r.statusCode() == 404) {
            throw new NoSuchFileException(location() + "/" + path(kind, name));
        }
        if (r.statusCode() == 416) {
            throw new EOFException(location() + "/" + path(kind, name) + ": challenged range " + offset + "+" + length
                    + " past the end");
        }
        String hex = new String(r.body(), StandardCharsets.US_ASCII).trim();
        if (r.statusCode() != 200 || !hex.matches("[0-9a-f]{64}")) {
            throw refused("audit challenge on " + p, r);
        }
        return java.util.HexFormat.of().parseHex(hex);
    }

    @Override
    public String location() {
        return "pactfs://" + base.substring("https://".length()) + (copy == null ? "" : "/" + copy);
    }

    /** Bytes of any reply but a download or a listing: one line of text, a hash, a number. */
    static final int SMALL_REPLY_BYTES = 64 << 10;

    /** Bytes of a listing: about 80 per object, so some 800,000 objects of one kind in one copy. */
    static final int LISTING_REPLY_BYTES = 64 << 20;

    private HttpResponse<byte[]> send(HttpRequest.Builder b) throws IOException {
        return send(b, SMALL_REPLY_BYTES);
    }

    /** Sends, and takes at most {@code maxReply} bytes of the reply into memory (the host is not trusted). */
    private HttpResponse<byte[]> send(HttpRequest.Builder b, long maxReply) throws IOException {
        try {
            return http.send(b.timeout(REQUEST_TIMEOUT).build(), BoundedBody.handler(maxReply));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted talking to " + base);
        } catch (IOException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof BoundedBody.TooLargeException) {
                    throw new PartnerUnavailableException("host " + location() + " sent a " + t.getMessage()
                            + ": refused", e);
                }
            }
            throw new PartnerUnavailableException("host " + location() + " is unreachable: " + message(e), e);
        }
    }

    /**
     * The first message along the cause chain: the JDK client wraps a refused connection or a pin mismatch in
     * exceptions with no message of their own (a bare ClosedChannelException says nothing).
     */
    private static String message(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    private IOException refused(String what, HttpResponse<byte[]> r) {
        // The first line only, and not all of it: the host's text ends up in home's one-line messages and logs.
        String body = new String(r.body(), StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
        if (body.length() > 300) {
            body = body.substring(0, 300) + "...";
        }
        return new PartnerUnavailableException("host " + location() + " refused the " + what + ": HTTP "
                + r.statusCode() + (body.isEmpty() ? "" : " " + body));
    }

    private URI object(Kind kind, String name) {
        return uri("/v1/objects/" + copy + "/" + path(kind, name));
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static String path(Kind kind, String name) {
        DirectoryTarget.checkName(kind, name); // a caller bug, not a host refusal
        return kind == Kind.CONFIG ? "config"
                : kind == Kind.PACK ? "packs/" + name.substring(0, 2) + "/" + name : dir(kind) + "/" + name;
    }

    private static String dir(Kind kind) {
        return switch (kind) {
            case PACK -> "packs";
            case INDEX -> "index";
            case SNAPSHOT -> "snapshots";
            case MANIFEST -> "manifests";
            case CONFIG -> throw new IllegalArgumentException("config is not listed");
        };
    }
}
