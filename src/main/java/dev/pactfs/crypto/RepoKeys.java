package dev.pactfs.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The subkeys of one open repository, derived once from its {@link MasterKey} with HKDF-SHA256
 * (RFC 5869, no salt: the master key is already uniformly random) under distinct info labels:
 *
 * <ul>
 *   <li>K_enc = HKDF(master, "pactfs enc v1"): AES-256-GCM key of every blob ({@link #blobCipher()});
 *   <li>K_id = HKDF(master, "pactfs id v1"): HMAC-SHA256 key naming file chunks ({@link #chunkIdHasher()});
 *   <li>one id key per other blob kind, HKDF(master, "pactfs tree id v1") etc. ({@link #ID_LABELS}): an id
 *       commits to its kind ({@link #blobIds()}, repo format 2);
 *   <li>K_cdc = HKDF(master, "pactfs cdc v1"): seed of the chunker's gear table ({@link #cdcSeed()});
 *   <li>K_check = HKDF(master, "pactfs check v1"): key of the local key check ({@link #keyCheck});
 *   <li>K_sign = HKDF(master, "pactfs manifest sign v1"): Ed25519 seed of the partner manifests' signing key
 *       ({@link #manifestKey()}).
 * </ul>
 *
 * <p>Thread-safe and immutable.
 */
public final class RepoKeys {

    /** Bytes of each subkey. */
    public static final int SUBKEY_BYTES = 32;

    static final String INFO_ENC = "pactfs enc v1";
    static final String INFO_ID = "pactfs id v1";
    static final String INFO_CDC = "pactfs cdc v1";
    static final String INFO_CHECK = "pactfs check v1";
    static final String INFO_MANIFEST_SIGN = "pactfs manifest sign v1";

    /**
     * HKDF labels of the id keys of the kinds other than CHUNK (which keeps K_id). Part of the format: never
     * change one; a new kind gets a new label.
     */
    public static final Map<BlobType, String> ID_LABELS = Map.of(
            BlobType.TREE, "pactfs tree id v1",
            BlobType.SNAPSHOT, "pactfs snapshot id v1",
            BlobType.INDEX, "pactfs index id v1",
            BlobType.PACK_TRAILER, "pactfs pack trailer id v1",
            BlobType.MANIFEST, "pactfs manifest id v1");

    private final BlobCipher blobCipher;
    private final ChunkIdHasher chunkIdHasher;
    private final BlobIds blobIds;
    private final BlobIds transitionalBlobIds;
    private final byte[] cdcSeed;
    private final SecretKeySpec checkKey;
    private final ManifestKey manifestKey;
    /** K_tls: the seed of the TLS client key for a {@code pactfs serve} host; the identity is built on first use. */
    private final byte[] tlsSeed;
    private volatile TlsIdentity tlsIdentity;

    private RepoKeys(byte[] kEnc, byte[] kId, byte[] kCdc, byte[] kCheck, byte[] kSign, byte[] kTls,
                     Map<BlobType, byte[]> kindIdKeys) {
        this.tlsSeed = kTls;
        this.blobCipher = new AesGcmBlobCipher(kEnc);
        this.chunkIdHasher = new HmacChunkIdHasher(kId);
        Map<BlobType, ChunkIdHasher> hashers = new EnumMap<>(BlobType.class);
        hashers.put(BlobType.CHUNK, chunkIdHasher);
        kindIdKeys.forEach((t, k) -> hashers.put(t, new HmacChunkIdHasher(k)));
        this.blobIds = new KindKeyedBlobIds(hashers);
        this.transitionalBlobIds = new TransitionalBlobIds(blobIds, chunkIdHasher);
        this.cdcSeed = kCdc;
        this.checkKey = new SecretKeySpec(kCheck, "HmacSHA256");
        this.manifestKey = ManifestKey.fromSeed(kSign);
    }

    /** Derives the subkeys of {@code key}. */
    public static RepoKeys derive(MasterKey key) {
        if (key == null) {
            throw new IllegalArgumentException("master key is null");
        }
        byte[] ikm = key.toBytes();
        try {
            byte[] kEnc = hkdf(ikm, INFO_ENC);
            byte[] kId = hkdf(ikm, INFO_ID);
            byte[] kCdc = hkdf(ikm, INFO_CDC);
            byte[] kCheck = hkdf(ikm, INFO_CHECK);
            byte[] kSign = hkdf(ikm, INFO_MANIFEST_SIGN);
            byte[] kTls = hkdf(ikm, TlsIdentity.INFO_TLS_CLIENT);
            Map<BlobType, byte[]> kindIdKeys = new EnumMap<>(BlobType.class);
            ID_LABELS.forEach((t, label) -> kindIdKeys.put(t, hkdf(ikm, label)));
            RepoKeys keys = new RepoKeys(kEnc, kId, kCdc, kCheck, kSign, kTls, kindIdKeys);
            // SecretKeySpec copies its key: wipe our copies (not kCdc, which we keep).
            Arrays.fill(kEnc, (byte) 0);
            Arrays.fill(kId, (byte) 0);
            Arrays.fill(kCheck, (byte) 0);
            Arrays.fill(kSign, (byte) 0);
            kindIdKeys.values().forEach(k -> Arrays.fill(k, (byte) 0));
            return keys;
        } finally {
            Arrays.fill(ikm, (byte) 0);
        }
    }

    static byte[] hkdf(byte[] ikm, String info) {
        HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA256Digest());
        gen.init(new HKDFParameters(ikm, null, info.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[SUBKEY_BYTES];
        gen.generateBytes(out, 0, out.length);
        return out;
    }

    /** The tenant's TLS identity at a {@code pactfs serve} host (K_tls, {@link TlsIdentity#INFO_TLS_CLIENT}). */
    public TlsIdentity tlsIdentity() {
        TlsIdentity t = tlsIdentity;
        if (t == null) {
            t = TlsIdentity.fromSeed(tlsSeed);
            tlsIdentity = t;
        }
        return t;
    }

    /** The AES-256-GCM blob cipher under K_enc. Thread-safe. */
    public BlobCipher blobCipher() {
        return blobCipher;
    }

    /** The Ed25519 key signing the partner copy's manifests. Thread-safe. */
    public ManifestKey manifestKey() {
        return manifestKey;
    }

    /** The HMAC-SHA256 chunk namer under K_id. Thread-safe. */
    public ChunkIdHasher chunkIdHasher() {
        return chunkIdHasher;
    }

    /** Names and checks blobs of every kind, each under its own key (repo format 2). Thread-safe. */
    public BlobIds blobIds() {
        return blobIds;
    }

    /**
     * As {@link #blobIds()} for new blobs, but reads also accept a non-chunk blob under its format-1 id
     * {@code HMAC(K_id, typeCode | plaintext)}: only for migrating a format-1 repo (and recovering a format-1 copy
     * before it is migrated).
     */
    public BlobIds transitionalBlobIds() {
        return transitionalBlobIds;
    }

    /** A copy of K_cdc, the seed of the chunker's gear table. */
    public byte[] cdcSeed() {
        return cdcSeed.clone();
    }

    /**
     * {@code HMAC-SHA256(K_check, UTF-8(repoId))}, 32 bytes. Stored in the local repo config so that a
     * wrong key is detected before anything is read or written; reveals nothing about the other subkeys.
     */
    public byte[] keyCheck(String repoId) {
        if (repoId == null) {
            throw new IllegalArgumentException("repo id is null");
        }
        Mac mac = HmacChunkIdHasher.newMac(checkKey);
        return mac.doFinal(repoId.getBytes(StandardCharsets.UTF_8));
    }

    /** Compares {@code stored} with {@link #keyCheck(String)} in constant time. */
    public boolean matchesKeyCheck(String repoId, byte[] stored) {
        if (stored == null) {
            throw new IllegalArgumentException("stored key check is null");
        }
        return MessageDigest.isEqual(keyCheck(repoId), stored);
    }

    /**
     * Gets the JIT to compile the AES-GCM and HMAC paths (and their intrinsics) by sealing, opening and
     * hashing a few tens of MiB under a throw-away key; takes well under a second on the reference machine
     * (see docs/format.md). Commands no longer call it (the cipher reaches compiled speed within ~10 MB of real
     * work) and the mount daemon warms its whole put and read paths through ChunkStore.warmUp; it remains for
     * the cold-start benchmark (ColdStartThroughput) and its test.
     */
    public static void warmUp() {
        Warmup.run();
    }

    @Override
    public String toString() {
        return "RepoKeys[hidden]";
    }
}
