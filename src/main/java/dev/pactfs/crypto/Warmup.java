package dev.pactfs.crypto;

import java.security.SecureRandom;

/*
 * Body of RepoKeys.warmUp(). HotSpot uses the AES, GHASH and SHA intrinsics only in code compiled by
 * C2, and C2 compiles a method after some thousands of invocations; the byte count does not matter.
 * So the warm-up makes many calls on small buffers (ROUNDS seals and opens of SMALL_BLOB_BYTES, fed in
 * SMALL_PIECE_BYTES update() calls, and as many HMACs), then a few full-size blobs through the
 * production path. Under a throw-away key; nothing leaves this class.
 */
final class Warmup {

    /** Seal+open+HMAC rounds on small blobs: above C2's invocation threshold (~5 000–15 000). */
    static final int ROUNDS = 20_000;
    /** Size of the small blobs. */
    static final int SMALL_BLOB_BYTES = 1024;
    /** update() piece size for the small blobs, so each seal makes several update() calls. */
    static final int SMALL_PIECE_BYTES = 256;
    /** Full-size (1 MiB) blobs sealed and opened at the end through the default piece size. */
    static final int LARGE_ROUNDS = 8;

    private Warmup() {
    }

    static void run() {
        byte[] key = new byte[RepoKeys.SUBKEY_BYTES];
        new SecureRandom().nextBytes(key);
        int sink = 0;
        sink += exercise(new AesGcmBlobCipher(key, SMALL_PIECE_BYTES), new HmacChunkIdHasher(key),
                SMALL_BLOB_BYTES, ROUNDS);
        sink += exercise(new AesGcmBlobCipher(key), new HmacChunkIdHasher(key), 1 << 20, LARGE_ROUNDS);
        if (sink == 42) {
            Thread.yield(); // uses the result, so no round can be optimised away
        }
    }

    private static int exercise(BlobCipher cipher, ChunkIdHasher hasher, int blobBytes, int rounds) {
        byte[] plain = new byte[blobBytes];
        byte[] id = new byte[ChunkId.LENGTH];
        int sink = 0;
        for (int i = 0; i < rounds; i++) {
            plain[i % blobBytes] = (byte) i;
            byte[] sealed = cipher.seal(BlobType.CHUNK, id, plain);
            try {
                sink += cipher.open(BlobType.CHUNK, id, sealed).length;
            } catch (BlobCorruptException e) {
                throw new IllegalStateException("warm-up blob failed to open", e);
            }
            sink += hasher.hash(plain).hashCode();
        }
        return sink;
    }
}
