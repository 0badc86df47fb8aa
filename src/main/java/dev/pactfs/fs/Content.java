package dev.pactfs.fs;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import java.nio.file.Path;
import java.util.function.Supplier;

/** What every open file needs from the repository: where chunks go, how they are cut, where temp bytes go. */
record Content(Catalog catalog, ChunkStore store, Supplier<Chunker> chunkers, ContentReader reader, Path tmpDir) {
}
