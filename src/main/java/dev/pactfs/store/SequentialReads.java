package dev.pactfs.store;

/**
 * Read-ahead and read-behind for one open file: on a sequential read, asks the store to load the chunks of the next
 * {@link #PREFETCH_BYTES} in the background ({@link ChunkStore#prefetch}), so that decrypting, decompressing and
 * verifying them runs on other cores while the reader consumes this one; and tells it which chunks the reader has
 * left {@link #SEQUENTIAL_SLACK} behind ({@link ChunkStore#release}), so that a big cold read does not fill the
 * plaintext cache with data nobody asks for again (the JVM promoted, marked and evacuated it: about a third of a
 * cold 2 GB read's CPU). Not thread-safe: the caller holds its file's lock.
 */
public final class SequentialReads {

    /** How far ahead of a sequential reader chunks are loaded in the background (bytes). */
    public static final long PREFETCH_BYTES = 8L << 20;
    /**
     * A read starting this close to where the previous reads ended still counts as sequential, and chunks are
     * released only this far behind (bytes): the kernel's read-ahead runs several reads at once on FUSE's threads,
     * so they may arrive slightly out of order.
     */
    public static final long SEQUENTIAL_SLACK = 2L << 20;

    /** A file's chunk refs in file order, as the caller holds them. */
    public interface Chunks {
        int count();

        /** File offset of ref {@code i}. */
        long start(int i);

        ChunkRef ref(int i);
    }

    private final ChunkStore store;
    private long lastReadEnd = -1;
    /** The list the indices below refer to (compared by identity: a rewritten file gets a new one). */
    private Object source;
    /** Index of the first chunk not yet handed to the store's prefetch. */
    private int prefetchNext;
    /** Index of the first chunk not yet released. */
    private int releaseNext;

    public SequentialReads(ChunkStore store) {
        this.store = store;
    }

    /**
     * Records a read of {@code [offset, end)} from {@code chunks} (whose identity is {@code source}); {@code next}
     * is the index of the first chunk past the read.
     */
    public void onRead(Object source, Chunks chunks, long offset, long end, int next) {
        boolean sequential = offset == 0 || Math.abs(offset - lastReadEnd) <= SEQUENTIAL_SLACK;
        lastReadEnd = sequential ? Math.max(lastReadEnd, end) : end;
        if (!sequential) {
            return;
        }
        if (this.source != source) {
            this.source = source;
            prefetchNext = 0;
            releaseNext = 0;
        }
        long behind = lastReadEnd - SEQUENTIAL_SLACK;
        int k = releaseNext;
        while (k < chunks.count() && chunks.start(k) + chunks.ref(k).length() <= behind) {
            ChunkRef r = chunks.ref(k++);
            if (!r.isHole()) {
                store.release(r.id());
            }
        }
        releaseNext = k;
        k = Math.max(prefetchNext, next);
        long limit = end + PREFETCH_BYTES;
        while (k < chunks.count() && chunks.start(k) < limit) {
            ChunkRef r = chunks.ref(k++);
            if (!r.isHole()) {
                store.prefetch(r.id());
            }
        }
        prefetchNext = k;
    }
}
