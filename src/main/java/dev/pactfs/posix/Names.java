package dev.pactfs.posix;

import java.nio.charset.StandardCharsets;

/** File names as the kernel has them: bytes. Checks one path component, and shows any name readably. */
public final class Names {

    private Names() {
    }

    /**
     * Whether {@code name} is a single path component the *at calls may take relative to a directory: 1..255
     * bytes, no '/' (which would leave the directory, or with a leading '/' ignore it), no NUL, not "." or "..".
     */
    public static boolean isComponent(byte[] name) {
        if (name.length == 0 || name.length > 255) {
            return false;
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                return false;
            }
        }
        return !(name[0] == '.' && (name.length == 1 || name.length == 2 && name[1] == '.'));
    }

    /**
     * The name as text for messages: printable ASCII as is, valid UTF-8 without control or format characters as
     * itself, otherwise every byte that is not printable ASCII (and backslash) as {@code \xNN}.
     */
    public static String printable(byte[] name) {
        if (name == null) {
            return "(fd)";
        }
        StringBuilder sb = new StringBuilder(name.length);
        boolean ascii = true;
        for (byte b : name) {
            ascii &= b >= 0x20 && b < 0x7f && b != '\\';
        }
        if (ascii) {
            return new String(name, StandardCharsets.US_ASCII);
        }
        // valid UTF-8 reads best as itself; anything else byte by byte
        var dec = StandardCharsets.UTF_8.newDecoder();
        try {
            String s = dec.decode(java.nio.ByteBuffer.wrap(name)).toString();
            // Not C0/C1 controls (U+009B is a one-character CSI), nor format characters (bidi overrides that
            // reorder what an admin reads): a name planted in the mount must not drive the terminal it is shown on.
            if (s.codePoints().allMatch(c -> c != '\\' && Character.getType(c) != Character.CONTROL
                    && Character.getType(c) != Character.FORMAT)) {
                return s;
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            // fall through to escapes
        }
        for (byte b : name) {
            int c = b & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.toString();
    }
}
