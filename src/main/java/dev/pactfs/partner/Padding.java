package dev.pactfs.partner;

import java.nio.ByteBuffer;

/**
 * Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs",
 * PETS 2019) of what the partner can measure: the sealed plaintext of index files, snapshot records and repo info,
 * and pack trailers. A length L is rounded up so that only its top ~log2(log2 L) + 1 bits remain significant: at
 * most 12 % overhead, and a size reveals O(log log L) bits instead of the exact count of blobs in a pack or index,
 * or the length of a snapshot's name, host and tag.
 *
 * <p>A padded plaintext is {@code length(4) || payload || zeros}, its total size {@code padme(4 + length)}; a
 * reader refuses any other size and any non-zero padding byte, so padding carries no data a crafted file could
 * use.
 */
final class Padding {

    private Padding() {
    }

    /** Padmé of {@code len}: the smallest size at least {@code len} whose low E - S bits are 0. */
    static int padme(int len) {
        if (len < 2) {
            return len;
        }
        int e = 31 - Integer.numberOfLeadingZeros(len);   // floor(log2 len)
        int s = 32 - Integer.numberOfLeadingZeros(e);     // floor(log2 e) + 1
        int mask = (1 << (e - s)) - 1;
        return Math.addExact(len, mask) & ~mask;
    }

    /** {@code length(4) || payload || zeros}, padded to {@link #padme}. */
    static byte[] pad(byte[] payload) {
        int size = padme(Math.addExact(4, payload.length));
        return ByteBuffer.allocate(size).putInt(payload.length).put(payload).array();
    }

    /** The payload of a padded plaintext. */
    static byte[] unpad(byte[] padded, String what) throws PartnerCorruptException {
        if (padded.length < 4) {
            throw new PartnerCorruptException(what + ": padded plaintext of " + padded.length + " bytes");
        }
        int len = ByteBuffer.wrap(padded).getInt();
        if (len < 0 || len > padded.length - 4 || padme(4 + len) != padded.length) {
            throw new PartnerCorruptException(what + ": payload length " + len + " does not fit a padded plaintext of "
                    + padded.length + " bytes");
        }
        for (int i = 4 + len; i < padded.length; i++) {
            if (padded[i] != 0) {
                throw new PartnerCorruptException(what + ": non-zero padding at byte " + i);
            }
        }
        byte[] out = new byte[len];
        System.arraycopy(padded, 4, out, 0, len);
        return out;
    }
}
