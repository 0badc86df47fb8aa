package dev.pactfs.chunk;

import java.io.IOException;

/** Receives the chunks a {@link Chunker} cuts, in stream order. */
@FunctionalInterface
public interface ChunkSink {
    /**
     * One chunk. The array is exactly the chunk's length and from now on belongs to the receiver
     * (the chunker never touches it again), so it may be handed to another thread.
     */
    void accept(byte[] chunk) throws IOException;
}
