package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;

/** A stored chunk failed verification (AEAD tag, decompression, or its plaintext does not hash to its id). */
public class ChunkCorruptException extends StoreException {
    private static final long serialVersionUID = 1L;

    private final transient ChunkId id;

    public ChunkCorruptException(ChunkId id, String where, String detail) {
        super("chunk " + id.toHex() + " is corrupt (" + where + "): " + detail);
        this.id = id;
    }

    public ChunkId chunkId() {
        return id;
    }
}
