package dev.pactfs.partner;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The audit challenge of the serve API ({@code POST /v1/challenge}, docs/format.md): home names a byte range of
 * an object and a fresh random nonce; the host answers SHA-256(nonce || those bytes) of the file it stores. The
 * nonce makes the answer impossible to precompute, so only a host that still holds the bytes can give it. One
 * definition for both sides: the host computes the answer here, home the expected one.
 *
 * @param path   the object's path in the copy layout, {@code pactfs-<id>/packs/xx/<name>}
 * @param offset first byte of the range
 * @param length bytes in the range, 1 to {@link #MAX_LENGTH}
 * @param nonce  {@link #NONCE_BYTES} random bytes
 */
public record Challenge(String path, long offset, int length, byte[] nonce) {

    /** Largest range a host hashes for one challenge: bounds the disk read a tenant can ask for. */
    public static final int MAX_LENGTH = 1 << 20;

    public static final int NONCE_BYTES = 32;

    private static final Pattern LINE = Pattern.compile("(\\S{1,200}) (\\d{1,18}) (\\d{1,7}) ([0-9a-f]{64})");

    /** The request body: one line {@code PATH OFFSET LENGTH NONCE-HEX}. */
    public String line() {
        return path + " " + offset + " " + length + " " + HexFormat.of().formatHex(nonce) + "\n";
    }

    /** Parses {@link #line()}; null when it is not one or the length is out of bounds. */
    public static Challenge parse(String s) {
        Matcher m = LINE.matcher(s.strip());
        if (!m.matches()) {
            return null;
        }
        int length = Integer.parseInt(m.group(3));
        if (length < 1 || length > MAX_LENGTH) {
            return null;
        }
        return new Challenge(m.group(1), Long.parseLong(m.group(2)), length, HexFormat.of().parseHex(m.group(4)));
    }

    /** SHA-256(nonce || bytes). */
    public static byte[] answer(byte[] nonce, byte[] bytes) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(nonce);
            return d.digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
