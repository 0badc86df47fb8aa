package dev.pactfs.crypto;

import java.security.MessageDigest;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The Ed25519 key that signs the partner copy's manifests. Its 32-byte seed is K_sign = HKDF(master,
 * "pactfs manifest sign v1"), so the key comes back with the master key after a disaster, and its public half
 * lets anyone (the host, an auditor) check a manifest without any secret. Public-key signing, not a MAC: the
 * host must be able to verify what it holds, and must not be able to forge it.
 *
 * <p>Thread-safe and immutable.
 */
public final class ManifestKey {

    /** Bytes of a public key and of a signature. */
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private final Ed25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    private ManifestKey(byte[] seed) {
        this.privateKey = new Ed25519PrivateKeyParameters(seed, 0);
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    /** The key of {@code master} (see {@link RepoKeys#manifestKey()}). */
    public static ManifestKey derive(MasterKey master) {
        return RepoKeys.derive(master).manifestKey();
    }

    static ManifestKey fromSeed(byte[] seed) {
        if (seed.length != 32) {
            throw new IllegalArgumentException("Ed25519 seed must be 32 bytes, got " + seed.length);
        }
        return new ManifestKey(seed);
    }

    /** The 32-byte public key (RFC 8032 encoding). */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** Ed25519 signature (RFC 8032, pure) of {@code message}, 64 bytes. */
    public byte[] sign(byte[] message) {
        Ed25519Signer s = new Ed25519Signer();
        s.init(true, privateKey);
        s.update(message, 0, message.length);
        return s.generateSignature();
    }

    /** Whether {@code signature} is {@code publicKey}'s signature of {@code message}; false on any malformed input. */
    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || publicKey.length != PUBLIC_KEY_BYTES || signature == null
                || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Ed25519Signer s = new Ed25519Signer();
            s.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
            s.update(message, 0, message.length);
            return s.verifySignature(signature);
        } catch (RuntimeException e) {
            return false; // a point that does not decode
        }
    }

    /** Whether {@code other} is this key's public half (constant time). */
    public boolean isPublicKey(byte[] other) {
        return other != null && MessageDigest.isEqual(publicKey, other);
    }

    @Override
    public String toString() {
        return "ManifestKey[hidden]";
    }
}
