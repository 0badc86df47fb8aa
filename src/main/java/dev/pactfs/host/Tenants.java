package dev.pactfs.host;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The tenants of a {@code pactfs serve --root DIR}, on disk:
 * <pre>
 *   DIR/host.key                 hex Ed25519 seed of the host's TLS key (0600, made on first use)
 *   DIR/tenants/NAME/data/       the tenant's prefix: a partner directory holding pactfs-&lt;repo-id&gt;/ copies
 *   DIR/tenants/NAME/quota       bytes promised (recorded; not enforced yet)
 *   DIR/tenants/NAME/pair        sha256 hex of the one-time pairing secret, until it is used
 *   DIR/tenants/NAME/client      the fingerprint of the tenant's TLS key, once paired
 * </pre>
 * Thread-safe: pairing is serialised, lookups read the small files each time (no cache to go stale).
 */
final class Tenants {

    /** Tenant names: short, lower case, no dots or slashes, so a name is always one plain path component. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private final Path root;

    Tenants(Path root) {
        this.root = root;
    }

    static boolean validName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** Adds (or re-arms) tenant {@code name} with a fresh one-time secret; returns the secret (hex). */
    synchronized String pair(String name, long quotaBytes) throws IOException {
        if (!validName(name)) {
            throw new IllegalArgumentException("tenant name must match " + NAME.pattern() + ": " + name);
        }
        Path dir = tenantDir(name);
        PrivateFiles.createDirectories(dir.resolve("data"));
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String hex = HexFormat.of().formatHex(secret);
        replace(dir.resolve("quota"), Long.toString(quotaBytes));
        replace(dir.resolve("pair"), sha256(hex));
        return hex;
    }

    /**
     * Binds the client key {@code fingerprint} to the tenant whose unused secret is {@code secret}; returns that
     * tenant, or empty if no tenant waits for this secret. The secret is spent either way it succeeds.
     */
    synchronized Optional<String> redeem(String secret, String fingerprint) throws IOException {
        String want = sha256(secret);
        for (String t : names()) {
            Path pair = tenantDir(t).resolve("pair");
            if (Files.isRegularFile(pair, LinkOption.NOFOLLOW_LINKS)
                    && MessageDigest.isEqual(Files.readString(pair).trim().getBytes(StandardCharsets.US_ASCII),
                    want.getBytes(StandardCharsets.US_ASCII))) {
                replace(tenantDir(t).resolve("client"), fingerprint);
                Files.delete(pair);
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The tenant paired with client key {@code fingerprint}, if any. */
    Optional<String> byClient(String fingerprint) throws IOException {
        for (String t : names()) {
            Path client = tenantDir(t).resolve("client");
            if (Files.isRegularFile(client, LinkOption.NOFOLLOW_LINKS)
                    && Files.readString(client).trim().equals(fingerprint)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The tenant's prefix: a partner directory, never created here but by {@link #pair}. */
    Path data(String tenant) {
        return tenantDir(tenant).resolve("data");
    }

    Path root() {
        return root;
    }

    private Path tenantDir(String name) {
        return root.resolve("tenants").resolve(name);
    }

    private java.util.List<String> names() throws IOException {
        java.util.List<String> out = new java.util.ArrayList<>();
        Path dir = root.resolve("tenants");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (validName(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static void replace(Path file, String text) throws IOException {
        Files.deleteIfExists(file);
        PrivateFiles.writeNew(file, text + "\n");
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
