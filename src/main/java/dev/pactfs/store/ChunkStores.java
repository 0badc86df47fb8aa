package dev.pactfs.store;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ChunkIdHasher;
import java.io.IOException;
import java.nio.file.Path;

/** Opens the chunk store of a repository. */
public final class ChunkStores {

    private ChunkStores() {
    }

    /**
     * The local chunk store of the repo in {@code repoDir}, indexing into {@code catalog}; closing it closes the
     * pack files, not the catalog.
     */
    public static ChunkStore open(Path repoDir, Catalog catalog, BlobCipher cipher, ChunkIdHasher hasher,
                                  StoreOptions options) throws IOException {
        return new LocalChunkStore(catalog, new LocalPacks(repoDir), cipher, hasher, options);
    }
}
