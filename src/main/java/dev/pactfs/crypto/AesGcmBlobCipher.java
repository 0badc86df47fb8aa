package dev.pactfs.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/*
 * AES-256-GCM blob cipher (format in package-info.java).
 *
 * Why the input is fed in PIECE_BYTES update() calls: the JDK's GCM runs its AES and GHASH intrinsics
 * only from compiled code. One 1 MiB doFinal() in a fresh JVM spends its whole length in an
 * interpreted loop (≈ 60 MB/s for ~10 s, FACTS.md); C2 compiles a method after some thousands of
 * invocations, so many small update() calls get it compiled sooner. Measured on the reference machine,
 * first 200 MiB sealed in a fresh JVM: 4 KiB pieces ≈ 250 MB/s, 16 KiB ≈ 60, 64 KiB ≈ 45, one 1 MiB
 * doFinal ≈ 27-50. JDK 17's GCM decryption buffers all ciphertext until doFinal() and then runs one
 * call over the whole blob, which stayed at ≈ 25 MB/s on 1 MiB blobs even after 16 s of JMH warm-up
 * (too few invocations for C2). So open() does not use it: it decrypts with AES-CTR and recomputes the
 * tag by re-sealing the plaintext with GCM, both in pieces (comment in open()). That costs about
 * twice the AES work of one pass, and is still far faster. The mount daemon's warm-up (ChunkStore.warmUp)
 * gets all of it compiled before the first real blob. Figures: docs/format.md.
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
    static final int PIECE_BYTES = 4 * 1024;

    private static final byte[] AAD_PREFIX = "pactfs".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final int pieceBytes;
    private final ThreadLocal<Cipher> ciphers = ThreadLocal.withInitial(AesGcmBlobCipher::newCipher);
    private final ThreadLocal<Cipher> ctrCiphers = ThreadLocal.withInitial(AesGcmBlobCipher::newCtrCipher);
    /** Per thread: receives the re-sealed ciphertext in open(), which only its tag is needed from. */
    private final ThreadLocal<byte[]> scratchBuffers;

    AesGcmBlobCipher(byte[] kEnc) {
        this(kEnc, PIECE_BYTES);
    }

    /** With another piece size: for the warm-up and for measurements. */
    AesGcmBlobCipher(byte[] kEnc, int pieceBytes) {
        if (kEnc.length != 32) {
            throw new IllegalArgumentException("K_enc must be 32 bytes, got " + kEnc.length);
        }
        if (pieceBytes < 16 || pieceBytes % 16 != 0) {
            throw new IllegalArgumentException("piece size " + pieceBytes + " is not a positive multiple of 16");
        }
        this.key = new SecretKeySpec(kEnc, "AES");
        this.pieceBytes = pieceBytes;
        this.scratchBuffers = ThreadLocal.withInitial(() -> new byte[pieceBytes + 2 * TAG_BYTES]);
    }

    static Cipher newCtrCipher() {
        try {
            return Cipher.getInstance("AES/CTR/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks AES/CTR/NoPadding", e);
        }
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
            while (len - pos > pieceBytes) {
                outPos += c.update(plain, off + pos, pieceBytes, out, outPos);
                pos += pieceBytes;
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
        checkFrame(type, id, sealed, off, len);
        int ctOff = off + 1 + NONCE_BYTES;
        int ctLen = len - OVERHEAD;
        byte[] out = new byte[ctLen];
        try {
            // GCM is CTR from inc32(J0) plus a GHASH tag over AAD and ciphertext (SP 800-38D §7.2), and
            // J0 = nonce | 00000001 for a 96-bit nonce. Decrypt with CTR from nonce | 00000002, and re-seal
            // the plaintext with GCM under the same nonce: that yields the same ciphertext and so the tag
            // the blob must carry. Both run in pieces; nothing is returned unless the tags match.
            byte[] counter = new byte[16];
            System.arraycopy(sealed, off + 1, counter, 0, NONCE_BYTES);
            counter[15] = 2;
            Cipher ctr = ctrCiphers.get();
            ctr.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(counter));
            // A fresh GCM instance: the JDK refuses to encrypt twice under one key and nonce with one
            // instance, and opening one blob twice in a row must work.
            Cipher gcm = newCipher();
            gcm.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, off + 1, NONCE_BYTES));
            gcm.updateAAD(aad);
            byte[] scratch = scratchBuffers.get();
            int pos = 0;
            while (pos < ctLen) {
                int n = Math.min(pieceBytes, ctLen - pos);
                int got = ctr.update(sealed, ctOff + pos, n, out, pos);
                if (got != n) {
                    throw new IllegalStateException("CTR returned " + got + " bytes for " + n);
                }
                gcm.update(out, pos, n, scratch, 0);
                pos += n;
            }
            int tail = gcm.doFinal(scratch, 0);
            if (tail < TAG_BYTES || !MessageDigest.isEqual(
                    Arrays.copyOfRange(scratch, tail - TAG_BYTES, tail),
                    Arrays.copyOfRange(sealed, off + len - TAG_BYTES, off + len))) {
                Arrays.fill(out, (byte) 0);
                throw corrupt(type, id, "authentication failed (wrong key, or the blob was altered or damaged)");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR/GCM failed", e);
        }
    }

    /**
     * open() through the JDK's GCM decryption in one doFinal(): the obvious code, kept to cross-check
     * open() and to measure against it (it runs at ≈ 25 MB/s on 1 MiB blobs even warm, see above).
     */
    byte[] openWithJdkDecrypt(BlobType type, byte[] id, byte[] sealed, int off, int len) throws BlobCorruptException {
        Checks.range(sealed, off, len);
        byte[] aad = aad(type, id);
        checkFrame(type, id, sealed, off, len);
        byte[] out = new byte[len - OVERHEAD];
        Cipher c = ciphers.get();
        try {
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, off + 1, NONCE_BYTES));
            c.updateAAD(aad);
            c.doFinal(sealed, off + 1 + NONCE_BYTES, len - 1 - NONCE_BYTES, out, 0);
            return out;
        } catch (AEADBadTagException e) {
            throw corrupt(type, id, "authentication failed (wrong key, or the blob was altered or damaged)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    private static void checkFrame(BlobType type, byte[] id, byte[] sealed, int off, int len)
            throws BlobCorruptException {
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
