package dev.pactfs.crypto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The master key as a recovery code to print on paper ({@code pactfs key export --paper}) and type back
 * in ({@code pactfs recover}).
 *
 * <p>Payload (70 bytes): {@code version(1)=1 | master key(64) | first 5 bytes of SHA-256(version | key)}.
 * It is written in Crockford base32 (alphabet {@code 0-9 A-Z} without I, L, O, U; 5 bits per character,
 * most significant first), 112 characters, cut into 28 groups of 4. Each group gets a fifth, check
 * character {@code c = (g+1) XOR sum(alpha^(i+1) * v_i)} over GF(32) with polynomial x^5+x^2+1,
 * alpha = x, g the 0-based group number and v_i the values of its 4 characters. Any single wrong
 * character, and any swap of two characters within a group, changes the check, so such a typo is
 * reported with its group number; the 40-bit checksum catches everything else. Groups are printed
 * separated by '-': 28 x 5 characters, 167 with separators.
 *
 * <p>{@link #decode} ignores case, '-', and whitespace, and reads O as 0 and I, L as 1. Stateless and
 * thread-safe.
 */
public final class PaperKey {

    static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /** Version byte of the payload. */
    static final int VERSION = 1;
    /** Bytes of the checksum at the end of the payload. */
    static final int CHECKSUM_BYTES = 5;
    /** Payload bytes: version, key, checksum. 70 bytes = 560 bits = 112 characters exactly. */
    static final int PAYLOAD_BYTES = 1 + MasterKey.LENGTH + CHECKSUM_BYTES;
    /** Data characters per group. */
    static final int GROUP_DATA = 4;
    /** Characters per printed group: data plus one check character. */
    static final int GROUP_CHARS = GROUP_DATA + 1;
    /** Data characters in all. */
    static final int DATA_CHARS = PAYLOAD_BYTES * 8 / 5;
    /** Groups in a code. */
    static final int GROUPS = DATA_CHARS / GROUP_DATA;
    /** Characters in a code without separators. */
    static final int CODE_CHARS = GROUPS * GROUP_CHARS;

    private static final int[] VALUE = new int[128];

    static {
        if (PAYLOAD_BYTES * 8 % 5 != 0 || DATA_CHARS % GROUP_DATA != 0) {
            throw new AssertionError("paper key geometry does not divide evenly");
        }
        Arrays.fill(VALUE, -1);
        for (int i = 0; i < ALPHABET.length(); i++) {
            VALUE[ALPHABET.charAt(i)] = i;
        }
        VALUE['O'] = 0;
        VALUE['I'] = 1;
        VALUE['L'] = 1;
    }

    private PaperKey() {
    }

    /** The recovery code of {@code key}: 28 groups of 5 characters separated by '-'. */
    public static String encode(MasterKey key) {
        if (key == null) {
            throw new IllegalArgumentException("master key is null");
        }
        byte[] payload = new byte[PAYLOAD_BYTES];
        payload[0] = (byte) VERSION;
        byte[] raw = key.toBytes();
        System.arraycopy(raw, 0, payload, 1, raw.length);
        Arrays.fill(raw, (byte) 0);
        System.arraycopy(checksum(payload), 0, payload, 1 + MasterKey.LENGTH, CHECKSUM_BYTES);
        int[] values = toFiveBit(payload);
        Arrays.fill(payload, (byte) 0);
        StringBuilder sb = new StringBuilder(CODE_CHARS + GROUPS);
        for (int g = 0; g < GROUPS; g++) {
            if (g > 0) {
                sb.append('-');
            }
            for (int i = 0; i < GROUP_DATA; i++) {
                sb.append(ALPHABET.charAt(values[g * GROUP_DATA + i]));
            }
            sb.append(ALPHABET.charAt(groupCheck(g, values, g * GROUP_DATA)));
        }
        return sb.toString();
    }

    /** Decodes a recovery code; see the class comment for what is accepted. */
    public static MasterKey decode(String code) throws PaperKeyFormatException {
        if (code == null) {
            throw new IllegalArgumentException("recovery code is null");
        }
        String trimmed = code.strip();
        StringBuilder chars = new StringBuilder(CODE_CHARS);
        for (int i = 0; i < trimmed.length(); i++) {
            char c = trimmed.charAt(i);
            if (c != '-' && !Character.isWhitespace(c)) {
                chars.append(c);
            }
        }
        if (chars.length() != CODE_CHARS) {
            throw new PaperKeyFormatException(wrongLength(trimmed, chars.length()));
        }
        int[] values = new int[DATA_CHARS];
        List<Integer> badGroups = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
            for (int i = 0; i < GROUP_CHARS; i++) {
                char c = Character.toUpperCase(chars.charAt(g * GROUP_CHARS + i));
                int v = c < 128 ? VALUE[c] : -1;
                if (v < 0) {
                    throw new PaperKeyFormatException("recovery code has an invalid character '"
                            + chars.charAt(g * GROUP_CHARS + i) + "' in group " + (g + 1));
                }
                if (i < GROUP_DATA) {
                    values[g * GROUP_DATA + i] = v;
                } else if (v != groupCheck(g, values, g * GROUP_DATA)) {
                    badGroups.add(g + 1);
                }
            }
        }
        if (!badGroups.isEmpty()) {
            throw new PaperKeyFormatException("recovery code has a typo in group"
                    + (badGroups.size() == 1 ? " " + badGroups.get(0) : "s " + join(badGroups)));
        }
        byte[] payload = fromFiveBit(values);
        try {
            byte[] sum = checksum(payload);
            if (!Arrays.equals(sum, 0, CHECKSUM_BYTES, payload, 1 + MasterKey.LENGTH, PAYLOAD_BYTES)) {
                throw new PaperKeyFormatException("recovery code checksum does not match: a typo?");
            }
            int version = payload[0] & 0xff;
            if (version != VERSION) {
                throw new PaperKeyFormatException("recovery code has format version " + version
                        + ", this pactfs reads version " + VERSION + "; upgrade pactfs");
            }
            return MasterKey.of(Arrays.copyOfRange(payload, 1, 1 + MasterKey.LENGTH));
        } finally {
            Arrays.fill(payload, (byte) 0);
        }
    }

    private static String wrongLength(String input, int count) {
        String[] groups = input.split("[-\\s]+");
        if (groups.length == GROUPS) {
            for (int g = 0; g < GROUPS; g++) {
                if (groups[g].length() != GROUP_CHARS) {
                    return "recovery code group " + (g + 1) + " has " + groups[g].length()
                            + " characters, expected " + GROUP_CHARS;
                }
            }
        }
        return "recovery code has " + count + " characters, expected " + CODE_CHARS + " (" + GROUPS
                + " groups of " + GROUP_CHARS + ")";
    }

    private static String join(List<Integer> groups) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < groups.size(); i++) {
            if (i > 0) {
                sb.append(i == groups.size() - 1 ? " and " : ", ");
            }
            sb.append(groups.get(i));
        }
        return sb.toString();
    }

    private static byte[] checksum(byte[] payload) {
        return Arrays.copyOf(KeyFile.sha256(payload, 0, 1 + MasterKey.LENGTH), CHECKSUM_BYTES);
    }

    /** Check value of group {@code g} whose data values start at {@code values[from]}. */
    static int groupCheck(int g, int[] values, int from) {
        int sum = 0;
        int power = 1;
        for (int i = 0; i < GROUP_DATA; i++) {
            power = gfMulX(power);                 // alpha^(i+1)
            sum ^= gfMul(power, values[from + i]);
        }
        return sum ^ ((g + 1) & 31);
    }

    /** Multiplies by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1). */
    private static int gfMulX(int a) {
        a <<= 1;
        return (a & 32) != 0 ? a ^ 0b100101 : a;
    }

    static int gfMul(int a, int b) {
        int r = 0;
        while (b != 0) {
            if ((b & 1) != 0) {
                r ^= a;
            }
            a = gfMulX(a);
            b >>>= 1;
        }
        return r;
    }

    private static int[] toFiveBit(byte[] bytes) {
        int[] out = new int[bytes.length * 8 / 5];
        int acc = 0;
        int bits = 0;
        int n = 0;
        for (byte b : bytes) {
            acc = (acc << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out[n++] = (acc >>> bits) & 31;
            }
        }
        return out;
    }

    private static byte[] fromFiveBit(int[] values) {
        byte[] out = new byte[values.length * 5 / 8];
        int acc = 0;
        int bits = 0;
        int n = 0;
        for (int v : values) {
            acc = (acc << 5) | v;
            bits += 5;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = (byte) (acc >>> bits);
            }
        }
        return out;
    }
}
