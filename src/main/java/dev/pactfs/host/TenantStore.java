package dev.pactfs.host;

import com.sun.net.httpserver.HttpExchange;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One request of one tenant, confined to its prefix {@code DIR/tenants/NAME/data/}. Objects are create-only:
 * a content-named object is accepted only when its name is the SHA-256 of its bytes, an existing object is never
 * replaced (the same bytes again: a no-op; other bytes: 409), and there is no delete verb. Files are read and
 * written through the partner layer's {@code DirectoryTarget}, which refuses symlinks below the copy directory;
 * the components above it are checked here.
 */
final class TenantStore {

    /** Largest object accepted, bytes: a pack is closed near 32 MiB and never exceeds twice that. */
    static final long MAX_OBJECT_BYTES = 256L << 20;

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,18})-(\\d{0,18})");

    private final Tenants tenants;
    private final String tenant;

    TenantStore(Tenants tenants, String tenant) {
        this.tenants = tenants;
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
        } else {
            HostServer.reply(ex, 404, "no such API path");
        }
    }

    private void put(HttpExchange ex, ObjectPath o) throws IOException {
        byte[] data = HostServer.body(ex, MAX_OBJECT_BYTES);
        if (data == null) {
            HostServer.reply(ex, 413, "object larger than " + MAX_OBJECT_BYTES + " bytes");
            return;
        }
        if (o.contentNamed() && !o.name().equals(sha256(data))) {
            HostServer.reply(ex, 422, "name is not the SHA-256 of the bytes");
            return;
        }
        if (o.kind() == Kind.CONFIG && !validConfig(o.copy(), data)) {
            HostServer.reply(ex, 422, "not a partner copy config for " + o.copy());
            return;
        }
        Path copyDir = copyDir(o.copy());
        if (o.kind() == Kind.CONFIG && !Files.exists(copyDir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(copyDir);
        }
        try (PartnerTarget t = PartnerTargets.directory(copyDir)) {
            byte[] existing = loadOrNull(t, o);
            if (existing != null) {
                boolean same = Arrays.equals(existing, data);
                HostServer.reply(ex, same ? 200 : 409, same ? "already stored" : "a different object has this name");
                return;
            }
            if (o.kind() != Kind.CONFIG && loadOrNull(t, new ObjectPath(o.copy(), Kind.CONFIG, "config")) == null) {
                HostServer.reply(ex, 409, "copy " + o.copy() + " has no config yet");
                return;
            }
            t.save(o.kind(), o.name(), data);
            HostServer.reply(ex, 201, "stored");
        }
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
