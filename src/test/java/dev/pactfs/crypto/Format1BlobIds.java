package dev.pactfs.crypto;

/**
 * Repo format 1's blob ids, for tests that need a format-1 repo (the issue-12 collision, migration): chunks
 * {@code HMAC(K_id, plaintext)}, other kinds {@code HMAC(K_id, typeCode | plaintext)}. Production code never names
 * a blob this way any more; only {@link RepoKeys#transitionalBlobIds()} still accepts such ids on read.
 */
public final class Format1BlobIds implements BlobIds {

    private final ChunkIdHasher kId;

    public Format1BlobIds(RepoKeys keys) {
        this.kId = keys.chunkIdHasher();
    }

    @Override
    public ChunkId of(BlobType type, byte[] plain) {
        if (type == BlobType.CHUNK) {
            return kId.hash(plain);
        }
        byte[] prefixed = new byte[plain.length + 1];
        prefixed[0] = (byte) type.code;
        System.arraycopy(plain, 0, prefixed, 1, plain.length);
        return kId.hash(prefixed);
    }
}
