package dev.pactfs.crypto;

/**
 * Names blobs by kind (repo format 2, docs/format.md "Blob ids"). A file chunk's id is
 * {@code HMAC-SHA256(K_id, plaintext)}, as in format 1, so no chunk is renamed, resealed or re-sent. Every other
 * kind has its own key, {@code HMAC-SHA256(K_<kind>-id, plaintext)} with K_<kind>-id = HKDF(master,
 * "pactfs <kind> id v1"): an id commits to its kind, so bytes a user writes as a file can never carry the id of
 * a tree (format 1 prefixed the type code under K_id, and a 3-byte file {@code 02 01 00} had the id of the
 * empty directory's listing).
 *
 * <p>A delta is a way of storing a chunk, not a kind: it keeps its chunk's id. Thread-safe.
 */
public interface BlobIds {

    /** The id a new blob of {@code type} with {@code plain} content is stored under. */
    ChunkId of(BlobType type, byte[] plain);

    /**
     * Whether {@code id} names {@code plain} as a blob of {@code type}: the check every read makes after
     * decrypting. Strict ({@code of(type, plain).equals(id)}) except while a format-1 repo is migrated.
     */
    default boolean names(BlobType type, byte[] plain, ChunkId id) {
        return of(type, plain).equals(id);
    }
}
