package dev.pactfs.crypto;

/**
 * Names chunks: {@code HMAC-SHA256(K_id, plaintext)}. Keyed, so the partner cannot confirm a guess of a
 * chunk's content from its name.
 *
 * <p>Thread-safe. Out-of-range {@code off}/{@code len} throw IllegalArgumentException.
 */
public interface ChunkIdHasher {

    ChunkId hash(byte[] buf, int off, int len);

    default ChunkId hash(byte[] buf) {
        return hash(buf, 0, buf.length);
    }
}
