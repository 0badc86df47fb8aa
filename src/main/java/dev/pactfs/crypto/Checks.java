package dev.pactfs.crypto;

/** Argument checks that report caller mistakes as IllegalArgumentException. */
final class Checks {

    private Checks() {
    }

    static void range(byte[] buf, int off, int len) {
        if (buf == null) {
            throw new IllegalArgumentException("buffer is null");
        }
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new IllegalArgumentException(
                    "range off=" + off + " len=" + len + " outside buffer of " + buf.length + " bytes");
        }
    }
}
