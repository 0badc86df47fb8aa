package dev.pactfs.crypto;

/**
 * Authenticated encryption of blobs: {@code version(1) | nonce(12) | ciphertext | tag(16)}, AES-256-GCM
 * under K_enc with a random nonce; the AAD binds the blob's type and id, so no blob can stand in for another.
 *
 * <p>Thread-safe. Caller mistakes (wrong id length) throw IllegalArgumentException; bad ciphertext
 * throws {@link BlobCorruptException}.
 */
public interface BlobCipher {

    /** Bytes a sealed blob adds to its plaintext. */
    int OVERHEAD = 1 + 12 + 16;

    /** Format version byte written first in every blob. */
    int VERSION = 1;

    byte[] seal(BlobType type, byte[] id, byte[] plain, int off, int len);

    default byte[] seal(BlobType type, byte[] id, byte[] plain) {
        return seal(type, id, plain, 0, plain.length);
    }

    byte[] open(BlobType type, byte[] id, byte[] sealed, int off, int len) throws BlobCorruptException;

    default byte[] open(BlobType type, byte[] id, byte[] sealed) throws BlobCorruptException {
        return open(type, id, sealed, 0, sealed.length);
    }
}
