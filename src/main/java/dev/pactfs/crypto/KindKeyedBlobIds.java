package dev.pactfs.crypto;

import java.util.EnumMap;
import java.util.Map;

/*
 * One HMAC key per kind. Chunks keep K_id (their format-1 ids stay valid); the other kinds' keys are derived
 * from the master key under labels of their own, so no kind shares a key with another and HMAC's PRF property
 * makes equal ids across kinds a 2^-128 accident rather than something a writer of file bytes can arrange.
 */
final class KindKeyedBlobIds implements BlobIds {

    private final Map<BlobType, ChunkIdHasher> hashers;

    KindKeyedBlobIds(Map<BlobType, ChunkIdHasher> hashers) {
        for (BlobType t : BlobType.values()) {
            if (!hashers.containsKey(t)) {
                throw new IllegalArgumentException("no id key for kind " + t);
            }
        }
        this.hashers = new EnumMap<>(hashers);
    }

    @Override
    public ChunkId of(BlobType type, byte[] plain) {
        return hashers.get(type).hash(plain, 0, plain.length);
    }
}
