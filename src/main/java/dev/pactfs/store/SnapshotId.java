package dev.pactfs.store;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A snapshot's stable id (decision 0011): 16 random bytes assigned when the snapshot is created and never changed,
 * so that a rename or re-tag leaves the records of the snapshots taken after it (which name it as their parent by
 * this id) as they are. A snapshot recorded only in a format-1 record (which has no id) gets the id
 * {@link #derivedFrom derived} from that record's partner file name, so two recoveries of one copy, and the
 * catalog migration of the home that published it, agree.
 */
public record SnapshotId(long hi, long lo) {

    /** Length of the encoded id, bytes. */
    public static final int LENGTH = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new random id. */
    public static SnapshotId random() {
        byte[] b = new byte[LENGTH];
        RANDOM.nextBytes(b);
        return of(b);
    }

    /** The id encoded in {@code b} (exactly {@link #LENGTH} bytes). */
    public static SnapshotId of(byte[] b) {
        if (b == null || b.length != LENGTH) {
            throw new IllegalArgumentException("a snapshot id is " + LENGTH + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new SnapshotId(buf.getLong(), buf.getLong());
    }

    /**
     * The id of a snapshot known from a format-1 record whose partner file is named {@code fileName} (the 32-byte
     * SHA-256 of the file): its first 16 bytes.
     */
    public static SnapshotId derivedFrom(byte[] fileName) {
        if (fileName == null || fileName.length < LENGTH) {
            throw new IllegalArgumentException("a record file name is 32 bytes");
        }
        return of(Arrays.copyOf(fileName, LENGTH));
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(LENGTH).putLong(hi).putLong(lo).array();
    }

    public String hex() {
        return HexFormat.of().formatHex(toBytes());
    }

    @Override
    public String toString() {
        return hex();
    }
}
