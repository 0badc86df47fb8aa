package dev.pactfs.crypto;

/** Body of {@link RepoKeys#warmUp()}: exercises seal, open and chunk hashing under a throw-away key. */
final class Warmup {

    /** Rounds of seal+open+hash on a {@link #BLOB_BYTES} blob. */
    static final int ROUNDS = 48;
    /** Size of the warm-up blob: 1 MiB, a typical chunk. */
    static final int BLOB_BYTES = 1 << 20;

    private Warmup() {
    }

    static void run() {
        RepoKeys keys = RepoKeys.derive(MasterKey.generate());
        BlobCipher cipher = keys.blobCipher();
        ChunkIdHasher hasher = keys.chunkIdHasher();
        byte[] plain = new byte[BLOB_BYTES];
        byte[] id = new byte[ChunkId.LENGTH];
        int sink = 0;
        for (int i = 0; i < ROUNDS; i++) {
            plain[i] = (byte) i;
            byte[] sealed = cipher.seal(BlobType.CHUNK, id, plain);
            try {
                sink += cipher.open(BlobType.CHUNK, id, sealed).length;
            } catch (BlobCorruptException e) {
                throw new IllegalStateException("warm-up blob failed to open", e);
            }
            sink += hasher.hash(plain).hashCode();
        }
        if (sink == 42) {
            Thread.yield(); // keeps the loop from being optimised away
        }
    }
}
