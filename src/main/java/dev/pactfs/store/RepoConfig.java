package dev.pactfs.store;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Properties;

/**
 * The local repo's plaintext configuration, {@code <repo>/config}: format version, repo id, chunk sizes,
 * partner directory, local cache limit, and the key check (an HMAC under a key-derived subkey, so that a wrong
 * key file or paper key is recognised before anything is read or written). It never leaves home.
 *
 * @param format       repo format version
 * @param repoId       32 hex digits, random at init
 * @param chunkMin     FastCDC minimum chunk size, bytes
 * @param chunkAvg     FastCDC average chunk size, bytes (power of two)
 * @param chunkMax     FastCDC maximum chunk size, bytes
 * @param partner      the partner directory, or null
 * @param cacheMax     local payload cap in bytes, 0 = keep everything
 * @param keyCheck     hex HMAC proving a master key belongs to this repo
 * @param s3           the partner on an object store ({@code partner=s3://...}), or null
 * @param serve        the partner at a {@code pactfs serve} host ({@code partner=pactfs://...}), or null; at most
 *                     one of {@code partner}, {@code s3} and {@code serve} is set
 */
public record RepoConfig(int format, String repoId, int chunkMin, int chunkAvg, int chunkMax, Path partner,
                         long cacheMax, String keyCheck, S3Partner s3, ServePartner serve) {

    /** A repo whose partner, if any, is a directory or a bucket. */
    public RepoConfig(int format, String repoId, int chunkMin, int chunkAvg, int chunkMax, Path partner,
                      long cacheMax, String keyCheck, S3Partner s3) {
        this(format, repoId, chunkMin, chunkAvg, chunkMax, partner, cacheMax, keyCheck, s3, null);
    }

    /** A repo whose partner, if any, is a directory. */
    public RepoConfig(int format, String repoId, int chunkMin, int chunkAvg, int chunkMax, Path partner,
                      long cacheMax, String keyCheck) {
        this(format, repoId, chunkMin, chunkAvg, chunkMax, partner, cacheMax, keyCheck, null);
    }

    /** The same config with its partner on an object store instead of a directory. */
    public RepoConfig withS3(S3Partner bucket) {
        return new RepoConfig(format, repoId, chunkMin, chunkAvg, chunkMax, null, cacheMax, keyCheck, bucket);
    }

    /** The same config with its partner at a {@code pactfs serve} host instead. */
    public RepoConfig withServe(ServePartner host) {
        return new RepoConfig(format, repoId, chunkMin, chunkAvg, chunkMax, null, cacheMax, keyCheck, null, host);
    }

    /** The repo has a partner: a directory, a bucket or a serve host. */
    public boolean hasPartner() {
        return partner != null || s3 != null || serve != null;
    }

    /** The partner as the config names it (a path or an s3:// URI), or null. */
    public String partnerName() {
        return s3 != null ? s3.uri() : serve != null ? serve.uri() : partner == null ? null : partner.toString();
    }

    /**
     * The repo format this build writes and reads: 2 = blob ids keyed per kind (docs/format.md, "Blob ids").
     * Format 1 (non-chunk ids under K_id with a type-code prefix) is read only by {@code pactfs migrate}.
     */
    public static final int FORMAT = 2;

    /** The oldest format {@code pactfs migrate} upgrades. */
    public static final int OLDEST_MIGRATABLE = 1;

    public static final String FILE_NAME = "config";

    public RepoConfig withFormat(int newFormat) {
        return new RepoConfig(newFormat, repoId, chunkMin, chunkAvg, chunkMax, partner, cacheMax, keyCheck, s3, serve);
    }

    /** This config with another partner directory ({@code partner set}). */
    public RepoConfig withPartner(Path newPartner) {
        return new RepoConfig(format, repoId, chunkMin, chunkAvg, chunkMax, newPartner, cacheMax, keyCheck);
    }

    public RepoConfig withKeyCheck(byte[] check) {
        return new RepoConfig(format, repoId, chunkMin, chunkAvg, chunkMax, partner, cacheMax,
                HexFormat.of().formatHex(check), s3, serve);
    }

    public byte[] keyCheckBytes() {
        return HexFormat.of().parseHex(keyCheck);
    }

    /**
     * Refuses a repo of an older format with one line that names the way out. Everything but {@code migrate} (and
     * the key commands, which touch no blob) opens a repo through this.
     */
    public RepoConfig requireCurrent(Path repoDir) throws StoreException {
        if (format < FORMAT) {
            throw new StoreException(migrateHint(repoDir, format));
        }
        return this;
    }

    /** The one line telling how to bring a format-{@code format} repo up to date. */
    public static String migrateHint(Path repoDir, int format) {
        return "repo " + repoDir + " has format " + format + " and this pactfs uses format " + FORMAT
                + ": unmount it and run `pactfs migrate --repo " + repoDir + "` once (re-encodes the snapshot trees;"
                + " file data stays as it is)";
    }

    /** As {@link #read} for a repo about to be used: an older format is refused (see {@link #requireCurrent}). */
    public static RepoConfig readCurrent(Path repoDir) throws IOException {
        return read(repoDir).requireCurrent(repoDir);
    }

    /**
     * Reads {@code <repoDir>/config}; a missing file means "not a pactfs repo", a {@link RecoverMarker} "only partly
     * recovered" (every command that opens a repo comes through here).
     */
    public static RepoConfig read(Path repoDir) throws IOException {
        // Before the config: a recover killed after writing it but before it finished holds its marker still.
        RecoverMarker.refuseInterrupted(repoDir);
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(repoDir.resolve(FILE_NAME), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            if (!Files.exists(repoDir)) {
                throw new StoreException(repoDir + " is not a pactfs repo: it does not exist");
            }
            throw new StoreException(repoDir + " is not a pactfs repo (no config file); create one with `pactfs init`");
        } catch (java.nio.file.FileSystemException e) {
            // "Not a directory" from resolving config under a regular file: the user named the wrong thing.
            if (Files.exists(repoDir) && !Files.isDirectory(repoDir)) {
                throw new StoreException(repoDir + " is not a directory, so not a pactfs repo");
            }
            throw e;
        }
        try {
            int format = Integer.parseInt(p.getProperty("format", "-1"));
            if (format > FORMAT) {
                throw new StoreException("repo " + repoDir + " has format " + format
                        + ", newer than this pactfs understands (" + FORMAT + "): upgrade pactfs");
            }
            if (format < 1) {
                throw new StoreException("repo config " + repoDir.resolve(FILE_NAME) + " is damaged (no format)");
            }
            String partner = p.getProperty("partner", "").trim();
            S3Partner s3 = null;
            if (S3Partner.isUri(partner)) {
                String creds = p.getProperty("partner.s3.credentials_file", "").trim();
                s3 = S3Partner.parse(partner, p.getProperty("partner.s3.endpoint"), p.getProperty("partner.s3.region"),
                        creds.isEmpty() ? null : Path.of(creds));
                partner = "";
            }
            ServePartner serve = null;
            if (ServePartner.isUri(partner)) {
                serve = ServePartner.parse(partner, require(p, "partner.pactfs.host_key"));
                partner = "";
            }
            return new RepoConfig(format, require(p, "repo_id"),
                    Integer.parseInt(require(p, "chunk.min")), Integer.parseInt(require(p, "chunk.avg")),
                    Integer.parseInt(require(p, "chunk.max")), partner.isEmpty() ? null : Path.of(partner),
                    Long.parseLong(p.getProperty("cache.max", "0")), require(p, "key_check"), s3, serve);
        } catch (IllegalArgumentException e) { // NumberFormatException too

            throw new StoreException("repo config " + repoDir.resolve(FILE_NAME) + " is damaged: " + e.getMessage());
        }
    }

    private static String require(Properties p, String key) throws StoreException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new StoreException("repo config lacks " + key);
        }
        return v.trim();
    }

    /** Writes the config atomically (temp file, fsync, rename). */
    public void write(Path repoDir) throws IOException {
        StringWriter out = new StringWriter();
        out.write("# pactfs repository configuration; see docs/format.md\n");
        line(out, "format", Integer.toString(format));
        line(out, "repo_id", repoId);
        line(out, "chunk.min", Integer.toString(chunkMin));
        line(out, "chunk.avg", Integer.toString(chunkAvg));
        line(out, "chunk.max", Integer.toString(chunkMax));
        // A path, or a URI "s3://BUCKET/PREFIX" plus how to reach it; never a secret (docs/format.md).
        line(out, "partner", partnerName() == null ? "" : partnerName());
        if (s3 != null) {
            line(out, "partner.s3.endpoint", s3.endpoint() == null ? "" : s3.endpoint());
            line(out, "partner.s3.region", s3.region() == null ? "" : s3.region());
            line(out, "partner.s3.credentials_file", s3.credentialsFile() == null ? "" : s3.credentialsFile().toString());
        }
        if (serve != null) {
            line(out, "partner.pactfs.host_key", serve.hostKey());
        }
        line(out, "cache.max", Long.toString(cacheMax));
        line(out, "key_check", keyCheck);
        Path tmp = repoDir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp); // left by a crash between write and rename
        dev.pactfs.files.PrivateFiles.writeNew(tmp, out.toString());
        Files.move(tmp, repoDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        dev.pactfs.files.PrivateFiles.syncDirectory(repoDir); // the rename survives a power loss
    }

    private static void line(Writer w, String k, String v) throws IOException {
        w.write(k + "=" + v.replace("\\", "\\\\") + "\n");
    }
}
