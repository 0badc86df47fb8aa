package dev.pactfs.fs;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.StoreOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/** A repository in a temp directory with small chunks (so tests cross many boundaries), opened as a PactFs. */
public final class TestRepo implements Closeable {

    static final ChunkerParams SMALL = new ChunkerParams(2048, 8192, 32768);

    public final Path dir;
    final RepoKeys keys;
    public Catalog catalog;
    public ChunkStore store;
    public PactFs fs;

    public TestRepo(Path dir) throws IOException {
        this.dir = dir;
        this.keys = RepoKeys.derive(MasterKey.generate());
        open(true);
    }

    private void open(boolean create) throws IOException {
        catalog = Catalog.open(dir, create);
        store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(),
                new StoreOptions(16L << 20, 8L << 20, 2));
        fs = PactFs.open(catalog, store, dir, () -> Chunker.fastCdc(SMALL, keys.cdcSeed()));
    }

    /** Closes everything and opens it again (a clean remount). */
    public void reopen() throws IOException {
        close();
        open(false);
    }

    /** Closes store and catalog without committing open files (as a kill -9 would, minus the OS). */
    void crashAndReopen() throws IOException {
        store.close();
        catalog.close();
        open(false);
    }

    public void assertStoreClean() throws IOException {
        ChunkStore.CheckReport r = store.check(true);
        if (!r.clean()) {
            throw new AssertionError("store check: " + r.problems());
        }
    }

    @Override
    public void close() throws IOException {
        fs.close();
        store.close();
        catalog.close();
    }
}
