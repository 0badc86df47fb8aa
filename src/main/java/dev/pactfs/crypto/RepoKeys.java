package dev.pactfs.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
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
 *   <li>K_id = HKDF(master, "pactfs id v1"): HMAC-SHA256 key naming chunks ({@link #chunkIdHasher()});
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

    private final BlobCipher blobCipher;
    private final ChunkIdHasher chunkIdHasher;
    private final byte[] cdcSeed;
    private final SecretKeySpec checkKey;
    private final ManifestKey manifestKey;

    private RepoKeys(byte[] kEnc, byte[] kId, byte[] kCdc, byte[] kCheck, byte[] kSign) {
        this.blobCipher = new AesGcmBlobCipher(kEnc);
        this.chunkIdHasher = new HmacChunkIdHasher(kId);
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
            RepoKeys keys = new RepoKeys(kEnc, kId, kCdc, kCheck, kSign);
            // SecretKeySpec copies its key: wipe our copies (not kCdc, which we keep).
            Arrays.fill(kEnc, (byte) 0);
            Arrays.fill(kId, (byte) 0);
            Arrays.fill(kCheck, (byte) 0);
            Arrays.fill(kSign, (byte) 0);
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
