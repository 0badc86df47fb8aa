package dev.pactfs.store;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobIds;
import java.io.IOException;
import java.nio.file.Path;

/** Opens the chunk store of a repository. */
public final class ChunkStores {

    private ChunkStores() {
    }

    /**
     * The local chunk store of the repo in {@code repoDir}, indexing into {@code catalog}; closing it closes the
     * pack files, not the catalog. {@code ids} names and checks blobs ({@code RepoKeys.blobIds()}; the
     * transitional ones only to migrate a format-1 repo).
     */
    public static ChunkStore open(Path repoDir, Catalog catalog, BlobCipher cipher, BlobIds ids,
                                  StoreOptions options) throws IOException {
        return new LocalChunkStore(catalog, new LocalPacks(repoDir), cipher, ids, options);
    }
}
