package dev.pactfs.crypto;

/**
 * What a sealed blob holds. The code is bound into the blob's AAD, so a blob of one type can never be
 * opened as another. Codes are part of the on-disk format: never renumber.
 */
public enum BlobType {
    /** A chunk of file data. */
    CHUNK(1),
    /** A directory listing of a snapshot. */
    TREE(2),
    /** A snapshot record. */
    SNAPSHOT(3),
    /** A chunk-to-pack index file at the partner. */
    INDEX(4),
    /** A pack trailer. */
    PACK_TRAILER(5),
    /** The sealed body of a partner manifest (the live snapshot records and objects). */
    MANIFEST(6);

    public final int code;

    BlobType(int code) {
        this.code = code;
    }
}
