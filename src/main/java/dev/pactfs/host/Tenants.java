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
 *   DIR/tenants/NAME/quota         bytes promised; uploads past it are refused (507)
 *   DIR/tenants/NAME/pair          sha256 hex of the one-time pairing secret, until it is used
 *   DIR/tenants/NAME/client        the fingerprint of the tenant's TLS key, once paired
 *   DIR/tenants/NAME/manifest-key  hex Ed25519 public key that signs the tenant's manifests (sent at pairing;
 *                                  for a tenant paired before, adopted from its first manifest after the upgrade)
 *   DIR/tenants/NAME/heads/COPY    "SEQ NAME" of the newest manifest accepted for copy COPY ({@link ChainHeads})
 * </pre>
 * Thread-safe: pairing is serialised, lookups read the small files each time (no cache to go stale). Each tenant
 * has one lock object ({@link #lock}) that serialises its manifest uploads and key adoption.
 */
final class Tenants {

    /** Tenant names: short, lower case, no dots or slashes, so a name is always one plain path component. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private static final Pattern MANIFEST_KEY = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final java.util.concurrent.ConcurrentHashMap<String, Object> locks = new java.util.concurrent.ConcurrentHashMap<>();

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
    synchronized Optional<String> redeem(String secret, String fingerprint, String manifestKeyHex) throws IOException {
        String want = sha256(secret);
        for (String t : names()) {
            Path pair = tenantDir(t).resolve("pair");
            if (Files.isRegularFile(pair, LinkOption.NOFOLLOW_LINKS)
                    && MessageDigest.isEqual(Files.readString(pair).trim().getBytes(StandardCharsets.US_ASCII),
                    want.getBytes(StandardCharsets.US_ASCII))) {
                replace(tenantDir(t).resolve("client"), fingerprint);
                if (manifestKeyHex != null) {
                    // A re-pairing (after a recovery) sends the same key again: it is derived from the master key.
                    replace(tenantDir(t).resolve("manifest-key"), manifestKeyHex);
                }
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

    /** The tenant's manifest signing key, or null when it was paired before keys were registered. */
    byte[] manifestKey(String tenant) throws IOException {
        Path f = tenantDir(tenant).resolve("manifest-key");
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        String hex = Files.readString(f).trim();
        if (!MANIFEST_KEY.matcher(hex).matches()) {
            throw new IOException(f + " is damaged: not 64 hex digits");
        }
        return HexFormat.of().parseHex(hex);
    }

    /**
     * Trust on first use, for a tenant paired before pairing sent the key: its first manifest's key becomes the
     * tenant's, once. Call under {@link #lock}.
     */
    void adoptManifestKey(String tenant, byte[] key) throws IOException {
        Path f = tenantDir(tenant).resolve("manifest-key");
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            PrivateFiles.writeNew(f, HexFormat.of().formatHex(key) + "\n");
        }
    }

    /** Bytes the host promised the tenant. */
    long quota(String tenant) throws IOException {
        Path f = tenantDir(tenant).resolve("quota");
        try {
            return Long.parseLong(Files.readString(f).trim());
        } catch (NumberFormatException e) {
            throw new IOException(f + " is damaged: not a number of bytes");
        }
    }

    /** The lock of tenant {@code name}'s manifest chain (one object per tenant for the daemon's life). */
    Object lock(String name) {
        return locks.computeIfAbsent(name, n -> new Object());
    }

    /** Whether {@code hex} can be a manifest public key (what pairing accepts). */
    static boolean validManifestKey(String hex) {
        return hex != null && MANIFEST_KEY.matcher(hex).matches();
    }

    /** The directory of tenant {@code name}. */
    Path dir(String name) {
        return tenantDir(name);
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

    java.util.List<String> names() throws IOException {
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
