package dev.pactfs.crypto;

/*
 * What `pactfs migrate` (and `recover` of a format-1 partner copy) open the store with: new blobs get format-2
 * ids, and a non-chunk blob read back is accepted under either its format-2 id or its format-1 id
 * HMAC(K_id, typeCode | plaintext), so that the format-1 trees can be read to be re-encoded. Chunks have the same
 * id in both formats. Never used by a format-2 repo: there, reads are strict.
 */
final class TransitionalBlobIds implements BlobIds {

    private final BlobIds current;
    private final ChunkIdHasher kId;

    TransitionalBlobIds(BlobIds current, ChunkIdHasher kId) {
        this.current = current;
        this.kId = kId;
    }

    @Override
    public ChunkId of(BlobType type, byte[] plain) {
        return current.of(type, plain);
    }

    @Override
    public boolean names(BlobType type, byte[] plain, ChunkId id) {
        return current.names(type, plain, id) || (type != BlobType.CHUNK && format1Id(type, plain).equals(id));
    }

    /** Format 1's id of a non-chunk blob: K_id over the type code, then the plaintext. */
    ChunkId format1Id(BlobType type, byte[] plain) {
        byte[] prefixed = new byte[plain.length + 1];
        prefixed[0] = (byte) type.code;
        System.arraycopy(plain, 0, prefixed, 1, plain.length);
        return kId.hash(prefixed, 0, prefixed.length);
    }
}
