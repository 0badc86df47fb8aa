package dev.pactfs.store;

import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/** An open catalog + chunk store in a temp directory, for tests. */
public final class StoreFixture implements AutoCloseable {

    public final Path dir;
    public final RepoKeys keys;
    public final Catalog catalog;
    public final ChunkStore store;

    private StoreFixture(Path dir, RepoKeys keys, Catalog catalog, ChunkStore store) {
        this.dir = dir;
        this.keys = keys;
        this.catalog = catalog;
        this.store = store;
    }

    public static StoreFixture open(Path dir, RepoKeys keys) throws IOException {
        return open(dir, keys, keys.blobIds());
    }

    /** A store naming and checking blobs with {@code ids} (a format-1 repo's, or the transitional ones). */
    public static StoreFixture open(Path dir, RepoKeys keys, dev.pactfs.crypto.BlobIds ids) throws IOException {
        Catalog catalog = Catalog.open(dir, true);
        ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), ids,
                new StoreOptions(64L << 20, 32L << 20, 2));
        return new StoreFixture(dir, keys, catalog, store);
    }

    /** Rows as pg_dump writes pgbench_accounts (aid, bid, abalance, an 84-space filler): level 9 gains ~10 %. */
    public static byte[] accountsCopy(long seed, int size) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        StringBuilder sb = new StringBuilder(size + 200);
        for (long aid = 1 + seed * 1_000_000; sb.length() < size; aid++) {
            sb.append(aid).append('\t').append(1 + aid / 100_000).append('\t').append(r.nextInt(20_001) - 10_000)
                    .append('\t').append(" ".repeat(84)).append('\n');
        }
        return java.util.Arrays.copyOf(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), size);
    }

    public static StoreFixture create(Path dir) throws IOException {
        return open(dir, RepoKeys.derive(MasterKey.generate()));
    }

    public StoreFixture reopen() throws IOException {
        close();
        return open(dir, keys);
    }

    /** Commits {@code refs} as the whole content of inode {@code ino} and releases their pins. */
    public void commitFile(long ino, List<ChunkRef> refs) throws IOException {
        catalog.transaction(tx -> {
            FileChunkLists.replace(tx, ino, refs);
            return null;
        });
        store.unpin(refs.stream().filter(r -> !r.isHole()).map(ChunkRef::id).toList());
    }

    /** Pseudo-random bytes that zstd shrinks about 2x (text-like: a small alphabet). */
    public static byte[] compressible(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + r.nextInt(16));
        }
        return b;
    }

    /** Incompressible bytes. */
    public static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    @Override
    public void close() throws IOException {
        try {
            store.close();
        } finally {
            catalog.close();
        }
    }
}
