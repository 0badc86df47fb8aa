package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;

/**
 * One piece of a file's content: {@code length} bytes of chunk {@code id}, or, when {@code id} is null, a hole
 * of {@code length} zero bytes (sparse files and truncate-up cost no chunk at all).
 */
public record ChunkRef(ChunkId id, int length) {

    public ChunkRef {
        if (length <= 0) {
            throw new IllegalArgumentException("chunk ref length must be positive: " + length);
        }
    }

    public static ChunkRef hole(int length) {
        return new ChunkRef(null, length);
    }

    public boolean isHole() {
        return id == null;
    }
}
