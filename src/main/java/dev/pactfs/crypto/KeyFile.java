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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
    /**
     * The newest key file format version this code reads, and the one it writes for wrapped key files. Version 1
     * held one passphrase slot; version 2 holds 1..{@link #MAX_SLOTS} ({@code key add}). Machine key files are
     * still written as version 1: they have no slots, and so older pactfs releases keep reading them.
     */
    static final int VERSION = 2;
    /** The version of machine key files, and of wrapped key files before key slots. */
    static final int VERSION_1 = 1;
    /** Most passphrase slots in one key file: keeps the file under {@link #MAX_FILE_BYTES} with the longest repo id. */
    static final int MAX_SLOTS = 16;
    /** Bytes of a slot id (shown as 8 hex digits, as restic shows a key id's prefix). */
    static final int SLOT_ID_BYTES = 4;
    /** Slot format: carried over from a version-1 file (no id or time of its own; authenticated as version 1). */
    static final int SLOT_FORMAT_1 = 1;
    /** Slot format: written as a slot (id and creation time authenticated). */
    static final int SLOT_FORMAT_2 = 2;
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
    /** Bytes of one version-2 slot: format, id, created, KDF fields, salt, nonce, wrapped key and tag. */
    static final int SLOT_BYTES = 1 + SLOT_ID_BYTES + 8 + 1 + 4 + 4 + 1 + SALT_BYTES + NONCE_BYTES
            + 64 + TAG_BYTES;

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

    /** A passphrase slot as {@code key list} shows it: no secret in it. */
    public record Slot(String id, Instant created) {
        /** When the slot was written; null for a slot carried over from a version-1 file, which did not say. */
        @Override
        public Instant created() {
            return created;
        }
    }

    /** The master key a passphrase opened, and which slot it opened. */
    public record Opened(MasterKey key, String slotId) {
    }

    /**
     * Writes {@code key} wrapped under {@code passphrase} (Argon2id m=64 MiB, t=3, p=1) to a new file with one slot.
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
        byte[] repo = requireRepoId(repoId);
        List<WrappedSlot> slots = List.of(WrappedSlot.seal(repo, key, passphrase, kdf, newSlotId(List.of()), now()));
        publish(file, buildSlots(repo, slots), false);
    }

    /**
     * Unwraps the master key in {@code file} with {@code passphrase}.
     *
     * @throws WrongKeyException if the passphrase opens no slot, the file belongs to another repository, or it
     *     is a machine key file
     * @throws KeyFileDamagedException if the file is not a pactfs key file or fails its checksum
     * @throws KeyFileTooNewException if a newer pactfs wrote it
     */
    public static MasterKey openWrapped(Path file, String repoId, char[] passphrase)
            throws IOException, WrongKeyException {
        return openSlot(file, repoId, passphrase).key();
    }

    /**
     * As {@link #openWrapped}, saying which slot the passphrase opened. Every slot is tried in turn (one Argon2
     * run each), as restic tries each of its key files: a slot does not say whose passphrase it holds.
     */
    public static Opened openSlot(Path file, String repoId, char[] passphrase) throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        requireRepoId(repoId);
        requirePassphrase(passphrase);
        Parsed p = parseWrapped(file);
        p.requireRepo(file, repoId);
        for (WrappedSlot s : p.slots) {
            MasterKey key = s.open(p.repo(), passphrase);
            if (key != null) {
                return new Opened(key, s.idHex());
            }
        }
        // The checksum matched, so the file is intact: the passphrase is what is wrong.
        throw new WrongKeyException("wrong passphrase for key file " + file);
    }

    /** The passphrase slots of {@code file}, in file order, read without any key. */
    public static List<Slot> slots(Path file) throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        List<Slot> out = new ArrayList<>();
        for (WrappedSlot s : parseWrapped(file).slots) {
            out.add(new Slot(s.idHex(), s.created == 0 ? null : Instant.ofEpochSecond(s.created)));
        }
        return out;
    }

    /**
     * {@code key add}: adds a slot holding {@code key} under {@code newPass} to {@code file} (created when absent),
     * replacing the file atomically; the other slots are kept byte for byte. The caller has checked that
     * {@code key} is this repository's. Returns the new slot's id.
     *
     * @throws IllegalStateException if the file already holds {@link #MAX_SLOTS} slots
     */
    public static String addSlot(Path file, String repoId, MasterKey key, char[] newPass)
            throws IOException, WrongKeyException {
        return addSlot(file, repoId, key, newPass, DEFAULT_KDF);
    }

    static String addSlot(Path file, String repoId, MasterKey key, char[] newPass, KdfParams kdf)
            throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        requireNonNull(key, "master key");
        byte[] repo = requireRepoId(repoId);
        List<WrappedSlot> slots = new ArrayList<>();
        boolean exists = Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (exists) {
            Parsed p = parseWrapped(file);
            p.requireRepo(file, repoId);
            slots.addAll(p.slots);
        }
        if (slots.size() >= MAX_SLOTS) {
            throw new IllegalStateException("key file " + file + " already holds " + MAX_SLOTS + " slots, the most it can");
        }
        WrappedSlot added = WrappedSlot.seal(repo, key, newPass, kdf, newSlotId(slots), now());
        slots.add(added);
        publish(file, buildSlots(repo, slots), exists);
        return added.idHex();
    }

    /**
     * {@code key remove}: drops slot {@code slotId} from {@code file}, replacing it atomically; removing the last
     * slot deletes the file (the repository then opens only with a machine key or the paper key). Whether that is
     * wise is the caller's to decide.
     *
     * @throws IllegalArgumentException if no slot has that id
     */
    public static void removeSlot(Path file, String repoId, String slotId) throws IOException, WrongKeyException {
        requireNonNull(file, "file");
        byte[] repo = requireRepoId(repoId);
        Parsed p = parseWrapped(file);
        p.requireRepo(file, repoId);
        List<WrappedSlot> kept = new ArrayList<>();
        for (WrappedSlot s : p.slots) {
            if (!s.idHex().equals(slotId)) {
                kept.add(s);
            }
        }
        if (kept.size() == p.slots.size()) {
            throw new IllegalArgumentException("key file " + file + " has no slot " + slotId);
        }
        if (kept.isEmpty()) {
            Files.delete(file);
            fsyncDirectory(file.toAbsolutePath().getParent());
        } else {
            publish(file, buildSlots(repo, kept), true);
        }
    }

    /**
     * {@code key passwd}: rewraps the slot that {@code oldPass} opens under {@code newPass} with a fresh salt and
     * nonce (and today's default Argon2 cost), replacing {@code file} atomically. That slot keeps its id; the old
     * passphrase stops working; other slots and the master key, and so every blob, are unchanged.
     */
    public static void rewrap(Path file, String repoId, char[] oldPass, char[] newPass)
            throws IOException, WrongKeyException {
        rewrap(file, repoId, oldPass, newPass, DEFAULT_KDF);
    }

    static void rewrap(Path file, String repoId, char[] oldPass, char[] newPass, KdfParams kdf)
            throws IOException, WrongKeyException {
        requirePassphrase(newPass);
        Opened opened = openSlot(file, repoId, oldPass);
        byte[] repo = requireRepoId(repoId);
        List<WrappedSlot> slots = new ArrayList<>(parseWrapped(file).slots);
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).idHex().equals(opened.slotId())) {
                slots.set(i, WrappedSlot.seal(repo, opened.key(), newPass, kdf, slots.get(i).id, now()));
            }
        }
        publish(file, buildSlots(repo, slots), true);
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static byte[] newSlotId(List<WrappedSlot> taken) {
        while (true) {
            byte[] id = new byte[SLOT_ID_BYTES];
            RANDOM.nextBytes(id);
            if (taken.stream().noneMatch(s -> Arrays.equals(s.id, id))) {
                return id;
            }
        }
    }

    /** A version-2 wrapped key file: header, slot count, slots, checksum. */
    private static byte[] buildSlots(byte[] repo, List<WrappedSlot> slots) {
        ByteBuffer b = ByteBuffer.allocate(headerLength(repo) + 1 + slots.size() * SLOT_BYTES + CHECKSUM_BYTES);
        putHeader(b, KIND_WRAPPED, VERSION, repo);
        b.put((byte) slots.size());
        for (WrappedSlot s : slots) {
            s.put(b);
        }
        putChecksum(b);
        return b.array();
    }

    /**
     * One passphrase-wrapped copy of the master key. Its AAD is what a version-1 file authenticated for a slot
     * carried over from one (format 1: that file's header and KDF fields, so the old passphrase still opens it
     * once it lives in a version-2 file), and the version-2 header plus every slot byte before the wrapped key
     * for a slot written as one (format 2: binds its id and creation time too). The slot count and the other
     * slots are outside it, so adding or removing a slot leaves the others valid.
     */
    static final class WrappedSlot {
        int format;
        byte[] id;
        /** Seconds since 1970 UTC; 0 for a slot carried over from a version-1 file. */
        long created;
        KdfParams kdf;
        byte[] salt;
        byte[] nonce;
        /** 64 bytes of ciphertext and the 16-byte tag. */
        byte[] wrapped;

        String idHex() {
            return java.util.HexFormat.of().formatHex(id);
        }

        static WrappedSlot seal(byte[] repo, MasterKey key, char[] passphrase, KdfParams kdf, byte[] id, long created) {
            requirePassphrase(passphrase);
            WrappedSlot s = new WrappedSlot();
            s.format = SLOT_FORMAT_2;
            s.id = id;
            s.created = created;
            s.kdf = kdf;
            s.salt = new byte[SALT_BYTES];
            s.nonce = new byte[NONCE_BYTES];
            RANDOM.nextBytes(s.salt);
            RANDOM.nextBytes(s.nonce);
            byte[] kek = argon2(passphrase, s.salt, kdf);
            byte[] raw = key.toBytes();
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, s.nonce));
                c.updateAAD(s.aad(repo));
                s.wrapped = c.doFinal(raw);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM wrap failed", e);
            } finally {
                Arrays.fill(kek, (byte) 0);
                Arrays.fill(raw, (byte) 0);
            }
            return s;
        }

        /** The master key, or null when {@code passphrase} is not this slot's. */
        MasterKey open(byte[] repo, char[] passphrase) {
            byte[] kek = argon2(passphrase, salt, kdf);
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(kek, "AES"), new GCMParameterSpec(TAG_BYTES * 8, nonce));
                c.updateAAD(aad(repo));
                byte[] raw = c.doFinal(wrapped);
                try {
                    return MasterKey.of(raw);
                } finally {
                    Arrays.fill(raw, (byte) 0);
                }
            } catch (AEADBadTagException e) {
                return null;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM unwrap failed", e);
            } finally {
                Arrays.fill(kek, (byte) 0);
            }
        }

        byte[] aad(byte[] repo) {
            int fileVersion = format == SLOT_FORMAT_1 ? 1 : 2;
            ByteBuffer b = ByteBuffer.allocate(headerLength(repo) + SLOT_BYTES);
            putHeader(b, KIND_WRAPPED, fileVersion, repo);
            if (format == SLOT_FORMAT_2) {
                b.put((byte) format).put(id).putLong(created);
            }
            putKdf(b);
            return Arrays.copyOf(b.array(), b.position());
        }

        private void putKdf(ByteBuffer b) {
            b.put((byte) KDF_ARGON2ID).putInt(kdf.memoryKiB()).putInt(kdf.iterations()).put((byte) kdf.parallelism());
            b.put(salt).put(nonce);
        }

        void put(ByteBuffer b) {
            b.put((byte) format).put(id).putLong(created);
            putKdf(b);
            b.put(wrapped);
        }
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
        putHeader(b, KIND_MACHINE, VERSION_1, repo);
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
        int version;
        String repoId;
        /** The passphrase slots (wrapped files): one for version 1. */
        List<WrappedSlot> slots = new ArrayList<>();
        /** Offset of the raw key (machine). */
        int secretOffset;

        byte[] repo() {
            return repoId.getBytes(StandardCharsets.UTF_8);
        }

        void requireRepo(Path file, String expected) throws WrongKeyException {
            if (!repoId.equals(expected)) {
                throw new WrongKeyException("key file " + file + " is for repository " + repoId
                        + ", not " + expected);
            }
        }
    }

    /** A passphrase-wrapped key file parsed; a machine key file is refused with a line that says so. */
    private static Parsed parseWrapped(Path file) throws IOException, WrongKeyException {
        Parsed p = parse(file);
        if (p.kind == KIND_MACHINE) {
            throw new WrongKeyException(file + " is a machine key file (not passphrase-protected): "
                    + "use it as a key file instead of giving a passphrase");
        }
        return p;
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
        p.version = version;
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
            if (version != VERSION_1) {
                throw damaged(file, "machine key file of version " + version + " (machine key files are version 1)");
            }
            if (b.remaining() != MasterKey.LENGTH) {
                throw damaged(file, b.remaining() + " key bytes, expected " + MasterKey.LENGTH);
            }
            p.secretOffset = b.position();
            return p;
        }
        if (version == VERSION_1) {
            int expect = 1 + 4 + 4 + 1 + SALT_BYTES + NONCE_BYTES + MasterKey.LENGTH + TAG_BYTES;
            if (b.remaining() != expect) {
                throw damaged(file, b.remaining() + " bytes after the repo id, expected " + expect);
            }
            WrappedSlot s = new WrappedSlot();
            s.format = SLOT_FORMAT_1;
            readKdf(file, b, s);
            // A version-1 file names no slot: its id is derived from the salt, so it is the same at every listing.
            s.id = Arrays.copyOf(sha256(s.salt, 0, SALT_BYTES), SLOT_ID_BYTES);
            p.slots.add(s);
            return p;
        }
        int count = b.hasRemaining() ? b.get() & 0xff : 0;
        if (count < 1 || count > MAX_SLOTS) {
            throw damaged(file, "slot count " + count + " outside 1.." + MAX_SLOTS);
        }
        if (b.remaining() != count * SLOT_BYTES) {
            throw damaged(file, b.remaining() + " bytes of slots, expected " + count * SLOT_BYTES);
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < count; i++) {
            WrappedSlot s = new WrappedSlot();
            s.format = b.get() & 0xff;
            if (s.format != SLOT_FORMAT_1 && s.format != SLOT_FORMAT_2) {
                throw damaged(file, "slot " + i + " has unknown format " + s.format);
            }
            s.id = new byte[SLOT_ID_BYTES];
            b.get(s.id);
            s.created = b.getLong();
            readKdf(file, b, s);
            if (!ids.add(s.idHex())) {
                throw damaged(file, "two slots with id " + s.idHex());
            }
            p.slots.add(s);
        }
        return p;
    }

    /** KDF id and parameters, salt, nonce and wrapped key of one slot, bounds checked. */
    private static void readKdf(Path file, ByteBuffer b, WrappedSlot s) throws IOException {
        int kdfId = b.get() & 0xff;
        if (kdfId != KDF_ARGON2ID) {
            throw new KeyFileTooNewException("key file " + file + " uses key derivation " + kdfId
                    + ", which this pactfs does not know; upgrade pactfs");
        }
        int m = b.getInt();
        int t = b.getInt();
        int par = b.get() & 0xff;
        try {
            s.kdf = new KdfParams(m, t, par);
        } catch (IllegalArgumentException e) {
            throw damaged(file, e.getMessage());
        }
        s.salt = new byte[SALT_BYTES];
        b.get(s.salt);
        s.nonce = new byte[NONCE_BYTES];
        b.get(s.nonce);
        s.wrapped = new byte[MasterKey.LENGTH + TAG_BYTES];
        b.get(s.wrapped);
    }

    private static KeyFileDamagedException damaged(Path file, String what) {
        return new KeyFileDamagedException("key file " + file + " is damaged or malformed: " + what);
    }

    // ---------------------------------------------------------------- writing

    private static int headerLength(byte[] repo) {
        return MAGIC.length + 1 + 1 + 2 + repo.length;
    }

    private static void putHeader(ByteBuffer b, int kind, int version, byte[] repo) {
        b.put(MAGIC).put((byte) kind).put((byte) version).putShort((short) repo.length).put(repo);
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
