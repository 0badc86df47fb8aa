package dev.pactfs.host;

import com.sun.net.httpserver.HttpExchange;
import dev.pactfs.partner.Challenge;
import dev.pactfs.partner.ManifestHead;
import dev.pactfs.partner.ManifestHeaders;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTarget.Kind;
import dev.pactfs.partner.PartnerTargets;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request of one tenant, confined to its prefix {@code DIR/tenants/NAME/data/}. Objects are create-only:
 * a content-named object is accepted only when its name is the SHA-256 of its bytes, an existing object is never
 * replaced (the same bytes again: a no-op; other bytes: 409), and there is no delete verb. A manifest is stored
 * only as the next link of its copy's chain ({@link ManifestGate}, {@link ChainHeads}); every new object must fit
 * the tenant's quota ({@link Usage}, 507 otherwise). Files are read and
 * written through the partner layer's {@code DirectoryTarget}, which refuses symlinks below the copy directory;
 * the components above it are checked here.
 */
final class TenantStore {

    /** Largest object accepted, bytes: the largest pack a reader accepts, so nothing bigger is worth holding. */
    static final long MAX_OBJECT_BYTES = PartnerTargets.MAX_OBJECT_BYTES;

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");

    private static final Logger log = LoggerFactory.getLogger(TenantStore.class);

    private final Tenants tenants;
    private final Usage usage;
    private final ChainHeads heads;
    private final String tenant;
    private final Semaphore uploads;

    /** @param uploads permits for request bodies held in memory at once (shared by all tenants) */
    TenantStore(Tenants tenants, Usage usage, String tenant, Semaphore uploads) {
        this.tenants = tenants;
        this.usage = usage;
        this.uploads = uploads;
        this.heads = new ChainHeads(tenants);
        this.tenant = tenant;
    }

    void handle(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        if (path.startsWith("/v1/objects/")) {
            ObjectPath o = ObjectPath.parse(path.substring("/v1/objects/".length()));
            if (o == null) {
                HostServer.reply(ex, 400, "not an object path of the partner copy layout");
                return;
            }
            switch (method) {
                case "PUT" -> put(ex, o);
                case "GET" -> get(ex, o);
                case "HEAD" -> head(ex, o);
                default -> {
                    ex.getResponseHeaders().set("Allow", "GET, HEAD, PUT");
                    HostServer.reply(ex, 405, "objects are never deleted or changed on request");
                }
            }
        } else if (path.startsWith("/v1/list/") && method.equals("GET")) {
            list(ex, path.substring("/v1/list/".length()));
        } else if (path.startsWith("/v1/head/") && method.equals("GET")) {
            String copy = path.substring("/v1/head/".length());
            if (!ObjectPath.isCopy(copy)) {
                HostServer.reply(ex, 400, "head wants /v1/head/pactfs-<id>");
                return;
            }
            synchronized (tenants.lock(tenant)) {
                HostServer.reply(ex, 200, heads.read(tenant, copy).line());
            }
        } else if (path.equals("/v1/challenge") && method.equals("POST")) {
            challenge(ex);
        } else if (path.equals("/v1/usage") && method.equals("GET")) {
            HostServer.reply(ex, 200, usage.used(tenant) + " " + tenants.quota(tenant));
        } else {
            HostServer.reply(ex, 404, "no such API path");
        }
    }

    private void put(HttpExchange ex, ObjectPath o) throws IOException {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null && declared.trim().matches("\\d{1,18}") && Long.parseLong(declared.trim()) > MAX_OBJECT_BYTES) {
            HostServer.reply(ex, 413, "object larger than " + MAX_OBJECT_BYTES + " bytes");
            return;
        }
        // Bodies are held in memory whole (they are hashed before anything is written): a few at once, the rest
        // wait here unread, so parallel uploads cannot run the daemon's heap out.
        try {
            uploads.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to receive an upload", e);
        }
        try {
            byte[] data = HostServer.body(ex, MAX_OBJECT_BYTES);
            if (data == null) {
                HostServer.reply(ex, 413, "object larger than " + MAX_OBJECT_BYTES + " bytes");
                return;
            }
            put(ex, o, data);
        } finally {
            uploads.release();
        }
    }

    private void put(HttpExchange ex, ObjectPath o, byte[] data) throws IOException {
        if (o.contentNamed() && !o.name().equals(sha256(data))) {
            HostServer.reply(ex, 422, "name is not the SHA-256 of the bytes");
            return;
        }
        if (o.kind() == Kind.CONFIG && !validConfig(o.copy(), data)) {
            HostServer.reply(ex, 422, "not a partner copy config for " + o.copy());
            return;
        }
        Path copyDir = copyDir(o.copy());
        // One lock per tenant around check, reserve and save: two parallel uploads of one name would otherwise both
        // see it absent and both be counted, and a config could replace another (a rename replaces on Linux).
        synchronized (tenants.lock(tenant)) {
            if (o.kind() == Kind.CONFIG && !Files.exists(copyDir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(copyDir);
            }
            try (PartnerTarget t = PartnerTargets.directory(copyDir)) {
                if (o.kind() == Kind.MANIFEST) {
                    putManifest(ex, t, o, data);
                    return;
                }
                Boolean same = sameAsStored(t, o, data);
                if (same != null) {
                    HostServer.reply(ex, same ? 200 : 409, same ? "already stored" : "a different object has this name");
                    return;
                }
                if (o.kind() != Kind.CONFIG && loadOrNull(t, new ObjectPath(o.copy(), Kind.CONFIG, "config")) == null) {
                    HostServer.reply(ex, 409, "copy " + o.copy() + " has no config yet");
                    return;
                }
                if (store(ex, t, o, data)) {
                    HostServer.reply(ex, 201, "stored");
                }
            }
        }
    }

    /**
     * Null when nothing has {@code o}'s name; else whether it holds {@code data}. A content-named object was just
     * checked to hash to its name, so the same name and size is the same bytes: the stored copy is not read (it
     * may be a whole pack). A config is small and compared byte for byte.
     */
    private static Boolean sameAsStored(PartnerTarget t, ObjectPath o, byte[] data) throws IOException {
        if (!o.contentNamed()) {
            byte[] existing = loadOrNull(t, o);
            return existing == null ? null : Arrays.equals(existing, data);
        }
        try {
            return t.stat(o.kind(), o.name()) == data.length;
        } catch (IOException e) {
            if (PartnerTarget.isNotFound(e)) {
                return null;
            }
            throw e;
        }
    }

    /** A manifest: stored only as the next link of the copy's chain ({@link ManifestGate}), then the head moves. */
    private void putManifest(HttpExchange ex, PartnerTarget t, ObjectPath o, byte[] data) throws IOException {
        if (loadOrNull(t, new ObjectPath(o.copy(), Kind.CONFIG, "config")) == null) {
            HostServer.reply(ex, 409, "copy " + o.copy() + " has no config yet");
            return;
        }
        byte[] key = tenants.manifestKey(tenant);
        ManifestHead head = heads.readOrDerive(tenant, o.copy(), t, key);
        ManifestGate.Verdict v = ManifestGate.judge(data, o.name(), o.copy(), key, head);
        switch (v.outcome()) {
            case SAME -> HostServer.reply(ex, 200, v.reason());
            case REFUSE -> {
                log.warn("tenant {} copy {}: manifest {} refused, head stays at {}: {}", tenant, o.copy(), o.name(),
                        head.seq(), v.reason());
                HostServer.reply(ex, 409, v.reason());
            }
            case ACCEPT -> {
                // Stored already (a crash after the file, before the head): the resend completes the step.
                if (loadOrNull(t, o) == null && !store(ex, t, o, data)) {
                    return;
                }
                heads.write(tenant, o.copy(), new ManifestHead(v.checked().seq(), o.name()));
                if (key == null) {
                    tenants.adoptManifestKey(tenant, v.checked().publicKey());
                    log.warn("tenant {} registered no manifest key at pairing: adopted {} from its first manifest"
                            + " (trust on first use)", tenant, ManifestHeaders.hex(v.checked().publicKey()));
                }
                log.info("tenant {} copy {}: manifest {} accepted as head ({})", tenant, o.copy(), o.name(), v.reason());
                HostServer.reply(ex, 201, "stored; head is sequence " + v.checked().seq());
            }
        }
    }

    /** Saves a new object within the tenant's quota; false after answering 507 when it does not fit. */
    private boolean store(HttpExchange ex, PartnerTarget t, ObjectPath o, byte[] data) throws IOException {
        long quota = tenants.quota(tenant);
        if (!usage.reserve(tenant, data.length, quota)) {
            String why = "quota full: tenant " + tenant + " stores " + usage.used(tenant) + " of " + quota
                    + " bytes, this object needs " + data.length + " more";
            log.warn("tenant {}: upload of {} refused: {}", tenant, o.name(), why);
            HostServer.reply(ex, 507, why);
            return false;
        }
        boolean stored = false;
        try {
            t.save(o.kind(), o.name(), data);
            stored = true;
        } finally {
            if (!stored) {
                usage.release(tenant, data.length);
            }
        }
        return true;
    }

    private void get(HttpExchange ex, ObjectPath o) throws IOException {
        try (PartnerTarget t = PartnerTargets.directory(copyDir(o.copy()))) {
            long size = t.stat(o.kind(), o.name());
            String range = ex.getRequestHeaders().getFirst("Range");
            long from = 0;
            long to = size - 1;
            if (range != null) {
                Matcher m = RANGE.matcher(range.trim());
                if (!m.matches()) {
                    HostServer.reply(ex, 416, "only one range bytes=FROM-[TO] is served");
                    return;
                }
                from = Long.parseLong(m.group(1));
                to = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
                if (from >= size || to < from || to - from + 1 > MAX_OBJECT_BYTES) {
                    ex.getResponseHeaders().set("Content-Range", "bytes */" + size);
                    HostServer.reply(ex, 416, "range outside the object's " + size + " bytes");
                    return;
                }
            }
            byte[] b = t.load(o.kind(), o.name(), from, (int) (to - from + 1));
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            if (range != null) {
                ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + size);
            }
            ex.sendResponseHeaders(range != null ? 206 : 200, b.length == 0 ? -1 : b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        } catch (IOException e) {
            if (!PartnerTarget.isNotFound(e) && !(e instanceof EOFException)) {
                throw e;
            }
            HostServer.reply(ex, 404, "no such object");
        }
    }

    /**
     * {@code POST /v1/challenge}: SHA-256(nonce || the range) of a stored file, read from disk now, so a host that
     * lost or altered the bytes cannot answer (docs/format.md). 404 absent, 416 past its end.
     */
    private void challenge(HttpExchange ex) throws IOException {
        byte[] body = HostServer.body(ex, 512);
        Challenge q = body == null ? null : Challenge.parse(new String(body, StandardCharsets.US_ASCII));
        ObjectPath o = q == null ? null : ObjectPath.parse(q.path());
        if (o == null) {
            HostServer.reply(ex, 400, "challenge wants one line: pactfs-<id>/<object path> OFFSET LENGTH (1 to "
                    + Challenge.MAX_LENGTH + ") NONCE (64 hex digits)");
            return;
        }
        try (PartnerTarget t = PartnerTargets.directory(copyDir(o.copy()))) {
            long size = t.stat(o.kind(), o.name());
            if (q.offset() + q.length() > size) {
                HostServer.reply(ex, 416, "range outside the object's " + size + " bytes");
                return;
            }
            byte[] b = t.load(o.kind(), o.name(), q.offset(), q.length());
            HostServer.reply(ex, 200, HexFormat.of().formatHex(Challenge.answer(q.nonce(), b)));
        } catch (IOException e) {
            if (!PartnerTarget.isNotFound(e) && !(e instanceof EOFException)) {
                throw e;
            }
            HostServer.reply(ex, 404, "no such object");
        }
    }

    private void head(HttpExchange ex, ObjectPath o) throws IOException {
        try (PartnerTarget t = PartnerTargets.directory(copyDir(o.copy()))) {
            long size = t.stat(o.kind(), o.name());
            // The JDK server sends no Content-Length on HEAD; the size travels in its own header.
            ex.getResponseHeaders().set("Pactfs-Size", Long.toString(size));
            ex.sendResponseHeaders(200, -1);
        } catch (IOException e) {
            if (!PartnerTarget.isNotFound(e)) {
                throw e;
            }
            HostServer.reply(ex, 404, "no such object");
        }
    }

    /** {@code ""}: the tenant's copies, one per line; {@code pactfs-<id>/<dir>}: {@code <name> <size>} lines. */
    private void list(HttpExchange ex, String prefix) throws IOException {
        StringBuilder out = new StringBuilder();
        if (prefix.isEmpty()) {
            Path data = data();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(data)) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    if (ObjectPath.isCopy(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.append(n).append('\n');
                    }
                }
            }
        } else {
            int slash = prefix.indexOf('/');
            Kind kind = slash < 0 ? null : ObjectPath.dirKind(prefix.substring(slash + 1));
            if (kind == null || !ObjectPath.isCopy(prefix.substring(0, slash))) {
                HostServer.reply(ex, 400, "list prefix must be empty or pactfs-<id>/{packs,index,snapshots,manifests}");
                return;
            }
            Path copyDir = copyDir(prefix.substring(0, slash));
            if (Files.isDirectory(copyDir, LinkOption.NOFOLLOW_LINKS)) {
                try (PartnerTarget t = PartnerTargets.directory(copyDir)) {
                    for (Map.Entry<String, Long> e : t.sizes(kind).entrySet()) {
                        out.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
                    }
                }
            }
        }
        byte[] b = out.toString().getBytes(StandardCharsets.US_ASCII);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=us-ascii");
        ex.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    /** The tenant's prefix, refused when it or a directory above it is a symlink (the host's own mistake). */
    private Path data() throws IOException {
        Path data = tenants.data(tenant);
        for (Path p = data; p != null && !p.equals(tenants.root()); p = p.getParent()) {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory()) {
                throw new IOException(p + " is a symlink or not a directory: refused");
            }
        }
        return data;
    }

    private Path copyDir(String copy) throws IOException {
        return data().resolve(copy);
    }

    private static byte[] loadOrNull(PartnerTarget t, ObjectPath o) throws IOException {
        try {
            return t.load(o.kind(), o.name());
        } catch (IOException e) {
            if (PartnerTarget.isNotFound(e)) {
                return null;
            }
            throw e;
        }
    }

    /** A config names the copy it is PUT to, so a tenant cannot plant another repo's config. */
    private static boolean validConfig(String copy, byte[] data) {
        String s = new String(data, StandardCharsets.US_ASCII);
        return data.length < 4096 && s.startsWith("pactfs-partner-copy\n")
                && s.contains("\nrepo_id=" + copy.substring("pactfs-".length()) + "\n");
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
