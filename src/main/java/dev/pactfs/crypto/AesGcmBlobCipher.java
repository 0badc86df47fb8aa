package dev.pactfs.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/*
 * AES-256-GCM blob cipher (format in package-info.java).
 *
 * Why the input is fed in PIECE_BYTES update() calls: the JDK's GCM runs its AES and GHASH intrinsics
 * only from compiled code. One 1 MiB doFinal() in a fresh JVM spends its whole length in an
 * interpreted loop (≈ 60 MB/s for ~10 s, FACTS.md), while many small update() calls get the methods
 * compiled within a few calls. Decryption in JDK 17 buffers the ciphertext until doFinal() whatever
 * the piece size; see the measurements reported with the benchmarks.
 *
 * One Cipher per thread: Cipher is not thread-safe and getInstance() costs more than a small blob.
 * Nonces are 96 random bits from SecureRandom; with random nonces, stay below 2^32 blobs per key
 * (NIST SP 800-38D §8.3) — far above what one repository seals.
 */
final class AesGcmBlobCipher implements BlobCipher {

    /** Bytes of the random nonce after the version byte. */
    static final int NONCE_BYTES = 12;
    /** Bytes of the GCM tag at the end of the blob. */
    static final int TAG_BYTES = 16;
    /** Largest slice handed to one Cipher.update(): small enough to be fast in a cold JVM (see above). */
    static final int PIECE_BYTES = 64 * 1024;

    private static final byte[] AAD_PREFIX = "pactfs".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(AesGcmBlobCipher::newCipher);

    AesGcmBlobCipher(byte[] kEnc) {
        if (kEnc.length != 32) {
            throw new IllegalArgumentException("K_enc must be 32 bytes, got " + kEnc.length);
        }
        this.key = new SecretKeySpec(kEnc, "AES");
    }

    static Cipher newCipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks AES/GCM/NoPadding", e);
        }
    }

    static byte[] aad(BlobType type, byte[] id) {
        if (type == null) {
            throw new IllegalArgumentException("blob type is null");
        }
        if (id == null) {
            throw new IllegalArgumentException("blob id is null");
        }
        byte[] aad = new byte[AAD_PREFIX.length + 1 + id.length];
        System.arraycopy(AAD_PREFIX, 0, aad, 0, AAD_PREFIX.length);
        aad[AAD_PREFIX.length] = (byte) type.code;
        System.arraycopy(id, 0, aad, AAD_PREFIX.length + 1, id.length);
        return aad;
    }

    @Override
    public byte[] seal(BlobType type, byte[] id, byte[] plain, int off, int len) {
        Checks.range(plain, off, len);
        if (len > Integer.MAX_VALUE - 64 - OVERHEAD) {
            throw new IllegalArgumentException("blob of " + len + " bytes is too large to seal");
        }
        byte[] aad = aad(type, id);
        byte[] out = new byte[OVERHEAD + len];
        out[0] = (byte) VERSION;
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        System.arraycopy(nonce, 0, out, 1, NONCE_BYTES);
        Cipher c = ciphers.get();
        try {
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(aad);
            int outPos = 1 + NONCE_BYTES;
            int pos = 0;
            while (len - pos > PIECE_BYTES) {
                outPos += c.update(plain, off + pos, PIECE_BYTES, out, outPos);
                pos += PIECE_BYTES;
            }
            outPos += c.doFinal(plain, off + pos, len - pos, out, outPos);
            if (outPos != out.length) {
                throw new IllegalStateException("GCM wrote " + outPos + " bytes, expected " + out.length);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    @Override
    public byte[] open(BlobType type, byte[] id, byte[] sealed, int off, int len) throws BlobCorruptException {
        Checks.range(sealed, off, len);
        byte[] aad = aad(type, id);
        if (len < 1) {
            throw corrupt(type, id, "too short: 0 bytes, a sealed blob has at least " + OVERHEAD);
        }
        int version = sealed[off] & 0xff;
        if (version != VERSION) {
            throw corrupt(type, id, "unknown version " + version + " (this pactfs reads version " + VERSION + ")");
        }
        if (len < OVERHEAD) {
            throw corrupt(type, id, "too short: " + len + " bytes, a sealed blob has at least " + OVERHEAD);
        }
        byte[] out = new byte[len - OVERHEAD];
        Cipher c = ciphers.get();
        try {
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, off + 1, NONCE_BYTES));
            c.updateAAD(aad);
            int pos = off + 1 + NONCE_BYTES;
            int end = off + len;
            int outPos = 0;
            while (end - pos > PIECE_BYTES) {
                outPos += c.update(sealed, pos, PIECE_BYTES, out, outPos);
                pos += PIECE_BYTES;
            }
            outPos += c.doFinal(sealed, pos, end - pos, out, outPos);
            if (outPos != out.length) {
                throw new IllegalStateException("GCM wrote " + outPos + " bytes, expected " + out.length);
            }
            return out;
        } catch (AEADBadTagException e) {
            throw corrupt(type, id, "authentication failed (wrong key, or the blob was altered or damaged)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private static BlobCorruptException corrupt(BlobType type, byte[] id, String what) {
        return new BlobCorruptException("blob " + type + " " + idForMessage(id) + ": " + what);
    }

    static String idForMessage(byte[] id) {
        if (id.length == 0) {
            return "(empty id)";
        }
        String hex = java.util.HexFormat.of().formatHex(id);
        return hex.length() > 16 ? hex.substring(0, 16) + "…" : hex;
    }
}
