package dev.pactfs.crypto;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 for proofs of knowing a local secret (the mount daemon proving to a client that it holds the
 * repo's control key). Kept here so MAC classes stay in this package. Stateless and thread-safe.
 */
public final class Hmac {

    /** Length of a tag, in bytes. */
    public static final int LENGTH = 32;

    private Hmac() {
    }

    /** HMAC-SHA256 of the concatenated {@code parts} under {@code key}. */
    public static byte[] sha256(byte[] key, byte[]... parts) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("empty HMAC key");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            for (byte[] p : parts) {
                mac.update(p);
            }
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is mandatory in every Java SE runtime: a broken JDK, not bad input
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Compares two tags in time independent of where they differ. */
    public static boolean equal(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }
}
