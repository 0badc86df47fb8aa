package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;

/**
 * Where the store gets a blob whose local payload was evicted ({@code chunks.pack_id} NULL): the partner layer
 * implements it. The store verifies what it returns exactly like a local payload (AEAD tag, plaintext hash).
 */
@FunctionalInterface
public interface RemoteFetcher {

    /**
     * The sealed bytes of blob {@code id} of kind {@code kind}, {@code storedSize} long, as the partner holds them.
     *
     * @throws IOException the partner is unreachable or does not hold the blob (message names which)
     */
    byte[] fetchSealed(ChunkId id, int kind, int storedSize) throws IOException;
}
