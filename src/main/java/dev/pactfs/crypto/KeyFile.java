package dev.pactfs.crypto;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes key files: the master key either wrapped under a passphrase (Argon2id + AES-256-GCM)
 * or stored as is for unattended mounts ("machine key"). The byte layout is in package-info.java.
 *
 * <p>Outcomes a user can act on are distinct: a damaged or foreign file throws
 * {@link KeyFileDamagedException}, a file from a newer pactfs {@link KeyFileTooNewException}, a wrong
 * passphrase or a key file of another repository {@link WrongKeyException}. Files are written with mode
 * 0600 to a temporary name, fsynced, and renamed into place; the directory is fsynced after. Writing
 * never replaces an existing key file except through {@link #rewrap}, so a slip in {@code init} cannot
 * destroy the only copy of a key. Stateless and thread-safe; concurrent writers of one file are not
 * coordinated.
 */
public final class KeyFile {

    private static final Logger LOG = LoggerFactory.getLogger(KeyFile.class);

    /** First bytes of every key file. */
    static final byte[] MAGIC = "PACTFSKEY".getBytes(StandardCharsets.US_ASCII);
    /** Kind byte: master key wrapped under a passphrase. */
    static final int KIND_WRAPPED = 1;
    /** Kind byte: master key stored unwrapped (machine key). */
    static final int KIND_MACHINE = 2;
    /** The key file format version this code writes and the newest it reads. */
    static final int VERSION = 1;
    /** KDF byte: Argon2id, version 0x13. */
    static final int KDF_ARGON2ID = 1;
    /** Longest repo id in UTF-8 bytes: far above a UUID, small enough to bound the file. */
    static final int MAX_REPO_ID_BYTES = 1024;
    /** Bytes of the Argon2 salt. */
    static final int SALT_BYTES = 16;
    /** Bytes of the AES-GCM nonce of the wrapped key. */
    static final int NONCE_BYTES = 12;
    /** Bytes of the AES-GCM tag of the wrapped key. */
    static final int TAG_BYTES = 16;
    /** Bytes of the SHA-256 trailer that every version of the format ends with. */
    static final int CHECKSUM_BYTES = 32;
    /** Largest key file we read: bounds the allocation before any check. */
    static final int MAX_FILE_BYTES = 4096;

    /** Argon2id defaults for new key files: 64 MiB, 3 passes, 1 lane (DESIGN.md: m ≥ 64 MiB, t ≥ 3). */
    static final KdfParams DEFAULT_KDF = new KdfParams(64 * 1024, 3, 1);

    private static final Set<PosixFilePermission> OWNER_RW =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Argon2id cost parameters as stored in a wrapped key file. */
    record KdfParams(int memoryKiB, int iterations, int parallelism) {
        /** Bounds a reader accepts, so a damaged file cannot make it allocate gigabytes or spin for hours. */
        static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
        static final int MAX_ITERATIONS = 64;
        static final int MAX_PARALLELISM = 16;

        KdfParams {
            if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
                throw new IllegalArgumentException("argon2 parallelism " + parallelism + " outside 1.." + MAX_PARALLELISM);
            }
            if (iterations < 1 || iterations > MAX_ITERATIONS) {
                throw new IllegalArgumentException("argon2 iterations " + iterations + " outside 1.." + MAX_ITERATIONS);
            }
            if (memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
                throw new IllegalArgumentException("argon2 memory " + memoryKiB + " KiB outside "
                        + 8 * parallelism + ".." + MAX_MEMORY_KIB);
            }
        }
    }

    private KeyFile() {
    }

    // ---------------------------------------------------------------- wrapped (passphrase) key files

    /**
     * Writes {@code key} wrapped under {@code passphrase} (Argon2id m=64 MiB, t=3, p=1) to a new file.
     *
     * @throws FileAlreadyExistsException if {@code file} exists
     * @throws IllegalArgumentException on a null argument, an empty passphrase or an unusable repo id
     */
    public static void writeWrapped(Path file, String repoId, MasterKey key, char[] passphrase) throws IOException {
        writeWrapped(file, repoId, key, passphrase, DEFAULT_KDF);
    }

    static void writeWrapped(Path file, String repoId, MasterKey key, char[] passphrase, KdfParams kdf)
            throws IOException {
        requireNonNull(file, "file");
        requireNonNull(key, "master key");
        byte[] content = buildWrapped(repoId, key, passphrase, kdf);
        publish(file, content, false);
    }

    /**
     * Unwraps the master key in {@code file} with {@code passphrase}.
     *
     * @throws WrongKeyException if the passphrase is wrong, the file belongs to another repository, or it
     *     is a machine key file
     * @throws KeyFileDamagedException if the file is not a pactfs key file or fails its checksum
     * @throws KeyFileTooNewException if a newer pactfs wrote it
     */
    public static MasterKey openWrapped(Path file, String repoId, char[] passphrase)
            throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        requireRepoId(repoId);
        requirePassphrase(passphrase);
        Parsed p = parse(file);
        if (p.kind == KIND_MACHINE) {
            throw new WrongKeyException(file + " is a machine key file (not passphrase-protected): "
                    + "use it as a key file instead of giving a passphrase");
        }
        p.requireRepo(file, repoId);
        byte[] kek = argon2(passphrase, p.salt, p.kdf);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, p.nonce));
            c.updateAAD(p.bytes, 0, p.secretOffset);
            byte[] raw = c.doFinal(p.bytes, p.secretOffset, MasterKey.LENGTH + TAG_BYTES);
            try {
                return MasterKey.of(raw);
            } finally {
                Arrays.fill(raw, (byte) 0);
            }
        } catch (AEADBadTagException e) {
            // The checksum matched, so the file is intact: the passphrase is what is wrong.
            throw new WrongKeyException("wrong passphrase for key file " + file);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM unwrap failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    /**
     * {@code key passwd}: rewraps the same master key under {@code newPass} with a fresh salt and nonce
     * (and today's default Argon2 cost), replacing {@code file} atomically. The old passphrase stops
     * working; the master key, and so every blob, is unchanged.
     */
    public static void rewrap(Path file, String repoId, char[] oldPass, char[] newPass)
            throws IOException, WrongKeyException {
        rewrap(file, repoId, oldPass, newPass, DEFAULT_KDF);
    }

    static void rewrap(Path file, String repoId, char[] oldPass, char[] newPass, KdfParams kdf)
            throws IOException, WrongKeyException {
        requirePassphrase(newPass);
        MasterKey key = openWrapped(file, repoId, oldPass);
        byte[] content = buildWrapped(repoId, key, newPass, kdf);
        publish(file, content, true);
    }

    private static byte[] buildWrapped(String repoId, MasterKey key, char[] passphrase, KdfParams kdf) {
        byte[] repo = requireRepoId(repoId);
        requirePassphrase(passphrase);
        byte[] salt = new byte[SALT_BYTES];
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(nonce);
        int secretOffset = headerLength(repo) + 1 + 4 + 4 + 1 + SALT_BYTES + NONCE_BYTES;
        ByteBuffer b = ByteBuffer.allocate(secretOffset + MasterKey.LENGTH + TAG_BYTES + CHECKSUM_BYTES);
        putHeader(b, KIND_WRAPPED, repo);
        b.put((byte) KDF_ARGON2ID).putInt(kdf.memoryKiB()).putInt(kdf.iterations()).put((byte) kdf.parallelism());
        b.put(salt).put(nonce);
        byte[] kek = argon2(passphrase, salt, kdf);
        byte[] raw = key.toBytes();
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(b.array(), 0, secretOffset);
            int n = c.doFinal(raw, 0, raw.length, b.array(), secretOffset);
            b.position(secretOffset + n);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM wrap failed", e);
        } finally {
            Arrays.fill(kek, (byte) 0);
            Arrays.fill(raw, (byte) 0);
        }
        putChecksum(b);
        return b.array();
    }

    static byte[] argon2(char[] passphrase, byte[] salt, KdfParams kdf) {
        Argon2Parameters params = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(kdf.memoryKiB())
                .withIterations(kdf.iterations())
                .withParallelism(kdf.parallelism())
                .withSalt(salt)
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(params);
        byte[] kek = new byte[32];
        gen.generateBytes(passphrase, kek); // the passphrase's UTF-8 bytes, no Unicode normalisation
        return kek;
    }

    // ---------------------------------------------------------------- machine key files

    /**
     * Writes {@code key} unwrapped, mode 0600, for unattended mounts. Anyone who can read the file holds
     * the repository's key.
     *
     * @throws FileAlreadyExistsException if {@code file} exists
     */
    public static void writeMachineKey(Path file, String repoId, MasterKey key) throws IOException {
        requireNonNull(file, "file");
        requireNonNull(key, "master key");
        byte[] repo = requireRepoId(repoId);
        ByteBuffer b = ByteBuffer.allocate(headerLength(repo) + MasterKey.LENGTH + CHECKSUM_BYTES);
        putHeader(b, KIND_MACHINE, repo);
        byte[] raw = key.toBytes();
        b.put(raw);
        Arrays.fill(raw, (byte) 0);
        putChecksum(b);
        byte[] content = b.array();
        try {
            publish(file, content, false);
        } finally {
            Arrays.fill(content, (byte) 0);
        }
    }

    /**
     * Reads a machine key file. Logs a warning if group or others have any permission on it.
     *
     * @throws WrongKeyException if the file is not a pactfs machine key (including a passphrase-wrapped
     *     key file), is damaged, or is from a newer pactfs; the message says which
     */
    public static MasterKey readMachineKey(Path file) throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        Parsed p;
        try {
            p = parse(file);
        } catch (KeyFileDamagedException | KeyFileTooNewException e) {
            throw new WrongKeyException(e.getMessage());
        }
        if (p.kind != KIND_MACHINE) {
            throw new WrongKeyException(file + " is a passphrase-protected key file, not a machine key: "
                    + "give its passphrase instead");
        }
        warnIfShared(file);
        byte[] raw = Arrays.copyOfRange(p.bytes, p.secretOffset, p.secretOffset + MasterKey.LENGTH);
        try {
            return MasterKey.of(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
            Arrays.fill(p.bytes, (byte) 0);
        }
    }

    /** The repository id recorded in a key file of either kind, read without any key. */
    public static String readRepoId(Path file) throws IOException {
        requireNonNull(file, "file");
        return parse(file).repoId;
    }

    private static void warnIfShared(Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        if (!OWNER_RW.containsAll(perms)) {
            LOG.warn("machine key file {} has permissions {}, wider than rw-------: anyone who can read it holds "
                    + "the repository key; run chmod 600 on it", file, PosixFilePermissions.toString(perms));
        }
    }

    // ---------------------------------------------------------------- parsing

    /** A key file that passed its checksum, with its fields. */
    static final class Parsed {
        byte[] bytes;
        int kind;
        String repoId;
        KdfParams kdf;
        byte[] salt;
        byte[] nonce;
        /** Offset of the wrapped key (wrapped) or of the raw key (machine). */
        int secretOffset;

        void requireRepo(Path file, String expected) throws WrongKeyException {
            if (!repoId.equals(expected)) {
                throw new WrongKeyException("key file " + file + " is for repository " + repoId
                        + ", not " + expected);
            }
        }
    }

    private static Parsed parse(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new KeyFileDamagedException(file + " is not a pactfs key file (" + size + " bytes; key files are "
                    + "under " + MAX_FILE_BYTES + ")");
        }
        return parse(file, Files.readAllBytes(file));
    }

    /** Parses the bytes of key file {@code file} (named in messages); checks the checksum before any field. */
    static Parsed parse(Path file, byte[] bytes) throws IOException {
        if (bytes.length < MAGIC.length
                || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new KeyFileDamagedException(file + " is not a pactfs key file (it does not start with PACTFSKEY)");
        }
        // Every version ends with SHA-256 of the preceding bytes, so damage is told apart from both a
        // wrong passphrase and a newer format before any field is trusted.
        int body = bytes.length - CHECKSUM_BYTES;
        if (body < MAGIC.length + 4 || !MessageDigest.isEqual(
                sha256(bytes, 0, body), Arrays.copyOfRange(bytes, body, bytes.length))) {
            throw new KeyFileDamagedException("key file " + file + " is damaged (checksum does not match); "
                    + "restore it from a copy or recover with the paper key");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, body);
        b.position(MAGIC.length);
        Parsed p = new Parsed();
        p.bytes = bytes;
        p.kind = b.get() & 0xff;
        int version = b.get() & 0xff;
        if (version > VERSION) {
            throw new KeyFileTooNewException("key file " + file + " has format version " + version
                    + ", newer than this pactfs reads (" + VERSION + "); upgrade pactfs");
        }
        if (version < 1) {
            throw new KeyFileDamagedException("key file " + file + " has invalid format version " + version);
        }
        if (p.kind != KIND_WRAPPED && p.kind != KIND_MACHINE) {
            throw new KeyFileDamagedException("key file " + file + " has unknown kind " + p.kind);
        }
        int repoLen = b.getShort() & 0xffff;
        if (repoLen < 1 || repoLen > MAX_REPO_ID_BYTES || repoLen > b.remaining()) {
            throw damaged(file, "repo id length " + repoLen);
        }
        byte[] repo = new byte[repoLen];
        b.get(repo);
        p.repoId = new String(repo, StandardCharsets.UTF_8);
        if (p.kind == KIND_MACHINE) {
            if (b.remaining() != MasterKey.LENGTH) {
                throw damaged(file, b.remaining() + " key bytes, expected " + MasterKey.LENGTH);
            }
            p.secretOffset = b.position();
            return p;
        }
        int expect = 1 + 4 + 4 + 1 + SALT_BYTES + NONCE_BYTES + MasterKey.LENGTH + TAG_BYTES;
        if (b.remaining() != expect) {
            throw damaged(file, b.remaining() + " bytes after the repo id, expected " + expect);
        }
        int kdfId = b.get() & 0xff;
        if (kdfId != KDF_ARGON2ID) {
            throw new KeyFileTooNewException("key file " + file + " uses key derivation " + kdfId
                    + ", which this pactfs does not know; upgrade pactfs");
        }
        int m = b.getInt();
        int t = b.getInt();
        int par = b.get() & 0xff;
        try {
            p.kdf = new KdfParams(m, t, par);
        } catch (IllegalArgumentException e) {
            throw damaged(file, e.getMessage());
        }
        p.salt = new byte[SALT_BYTES];
        b.get(p.salt);
        p.nonce = new byte[NONCE_BYTES];
        b.get(p.nonce);
        p.secretOffset = b.position();
        return p;
    }

    private static KeyFileDamagedException damaged(Path file, String what) {
        return new KeyFileDamagedException("key file " + file + " is damaged or malformed: " + what);
    }

    // ---------------------------------------------------------------- writing

    private static int headerLength(byte[] repo) {
        return MAGIC.length + 1 + 1 + 2 + repo.length;
    }

    private static void putHeader(ByteBuffer b, int kind, byte[] repo) {
        b.put(MAGIC).put((byte) kind).put((byte) VERSION).putShort((short) repo.length).put(repo);
    }

    private static void putChecksum(ByteBuffer b) {
        int body = b.position();
        b.put(sha256(b.array(), 0, body));
        if (b.hasRemaining()) {
            throw new IllegalStateException("key file buffer has " + b.remaining() + " unused bytes");
        }
    }

    static byte[] sha256(byte[] buf, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(buf, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK lacks SHA-256", e);
        }
    }

    /** Temp file (0600) in the same directory, write, fsync, rename into place, fsync the directory. */
    private static void publish(Path file, byte[] content, boolean replace) throws IOException {
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (!replace && Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(abs.toString(), null, "key file exists; refusing to overwrite it");
        }
        Path tmp = PrivateFiles.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            if (replace) {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } else {
                // A hard link publishes atomically and fails if the name appeared meanwhile.
                Files.createLink(abs, tmp);
                Files.delete(tmp);
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        fsyncDirectory(dir);
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Not every platform can open a directory for fsync; the rename itself has happened.
            LOG.debug("could not fsync directory {}: {}", dir, e.toString());
        }
    }

    // ---------------------------------------------------------------- argument checks

    private static byte[] requireRepoId(String repoId) {
        if (repoId == null || repoId.isEmpty()) {
            throw new IllegalArgumentException("repo id is null or empty");
        }
        byte[] b = repoId.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_REPO_ID_BYTES) {
            throw new IllegalArgumentException("repo id is " + b.length + " bytes, at most " + MAX_REPO_ID_BYTES);
        }
        return b;
    }

    private static void requirePassphrase(char[] passphrase) {
        if (passphrase == null || passphrase.length == 0) {
            throw new IllegalArgumentException("passphrase is null or empty");
        }
    }

    private static void requireNonNull(Object o, String what) {
        if (o == null) {
            throw new IllegalArgumentException(what + " is null");
        }
    }
}
