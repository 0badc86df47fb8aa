package dev.pactfs.crypto;

import java.util.Arrays;
import java.util.HexFormat;

/** A chunk's name: HMAC-SHA256(K_id, plaintext), 32 bytes. Immutable; equal by content. */
public final class ChunkId implements Comparable<ChunkId> {

    /** Length of an id in bytes. */
    public static final int LENGTH = 32;

    private final byte[] bytes;
    private final int hash;

    private ChunkId(byte[] bytes) {
        this.bytes = bytes;
        this.hash = Arrays.hashCode(bytes);
    }

    /** Wraps a copy of {@code bytes}, which must be {@link #LENGTH} long. */
    public static ChunkId of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("chunk id must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new ChunkId(bytes.clone());
    }

    /** Parses 64 hex digits. */
    public static ChunkId ofHex(String hex) {
        return of(HexFormat.of().parseHex(hex));
    }

    static ChunkId wrap(byte[] ownedBytes) {
        return new ChunkId(ownedBytes);
    }

    /** A copy of the 32 bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    public String toHex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** The first 12 hex digits, for messages. */
    public String shortHex() {
        return toHex().substring(0, 12);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public int compareTo(ChunkId o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return toHex();
    }
}
