package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.Format1BlobIds;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, point 3: blob ids separated by kind, dedup by (kind, id), reads checked under the kind's key. */
@Timeout(60)
class BlobKindIdsTest {

    /** A 3-byte file whose content is the type code of a tree followed by the empty directory's listing. */
    static final byte[] POISON = {0x02, 0x01, 0x00};
    /** TreeCodec's encoding of an empty directory: format 1, no entries. */
    static final byte[] EMPTY_TREE = {0x01, 0x00};

    @TempDir
    Path dir;

    private final RepoKeys keys = RepoKeys.derive(MasterKey.generate());

    @Test
    void aFileHoldingTypeCodeAndEmptyListingNoLongerCapturesTheEmptyDirectorysTree() throws IOException {
        try (StoreFixture f = StoreFixture.open(dir, keys)) {
            ChunkId file = f.store.put(POISON);
            ChunkId tree = f.store.put(BlobType.TREE, EMPTY_TREE);
            assertNotEquals(file, tree);
            assertArrayEquals(EMPTY_TREE, f.store.get(BlobType.TREE, tree));
            assertArrayEquals(POISON, f.store.get(file));
            assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
        }
    }

    @Test
    void chunksKeepTheirFormat1IdsAndOtherKindsGetAnIdOfTheirOwn() throws IOException {
        Format1BlobIds format1 = new Format1BlobIds(keys);
        try (StoreFixture f = StoreFixture.open(dir, keys)) {
            assertEquals(format1.of(BlobType.CHUNK, POISON), f.store.put(POISON), "no chunk is renamed");
            ChunkId tree = f.store.put(BlobType.TREE, EMPTY_TREE);
            assertNotEquals(format1.of(BlobType.TREE, EMPTY_TREE), tree);
            assertEquals(keys.blobIds().of(BlobType.TREE, EMPTY_TREE), tree);
            assertNotEquals(keys.blobIds().of(BlobType.SNAPSHOT, EMPTY_TREE), tree, "each kind has its own key");
        }
    }

    @Test
    void aPutWhoseIdIsStoredAsAnotherKindFailsInsteadOfReturningTheOtherBlob() throws IOException {
        // Format 1's ids reproduce the collision (as would a crafted catalog under format 2).
        try (StoreFixture f = StoreFixture.open(dir, keys, new Format1BlobIds(keys))) {
            ChunkId file = f.store.put(POISON);
            StoreException e = assertThrows(StoreException.class, () -> f.store.put(BlobType.TREE, EMPTY_TREE));
            assertTrue(e.getMessage().contains("is stored as kind 1, not TREE"), e.getMessage());
            assertTrue(e.getMessage().contains(file.toHex()), e.getMessage());
            assertArrayEquals(POISON, f.store.get(file), "the file is untouched");
            assertTrue(f.store.check(true).clean(), f.store.check(true).problems().toString());
        }
    }

    @Test
    void readsCheckATreeUnderTheTreeKeyAndOnlyMigrationAcceptsAFormat1Id() throws IOException {
        ChunkId legacy;
        try (StoreFixture f = StoreFixture.open(dir, keys, new Format1BlobIds(keys))) {
            legacy = f.store.put(BlobType.TREE, EMPTY_TREE);
        }
        try (StoreFixture f = StoreFixture.open(dir, keys)) {
            ChunkCorruptException e = assertThrows(ChunkCorruptException.class, () -> f.store.get(BlobType.TREE, legacy));
            assertTrue(e.getMessage().contains("does not hash"), e.getMessage());
        }
        try (StoreFixture f = StoreFixture.open(dir, keys, keys.transitionalBlobIds())) {
            assertArrayEquals(EMPTY_TREE, f.store.get(BlobType.TREE, legacy));
            ChunkId current = f.store.put(BlobType.TREE, EMPTY_TREE);
            assertEquals(keys.blobIds().of(BlobType.TREE, EMPTY_TREE), current, "new blobs get format-2 ids");
        }
    }
}
