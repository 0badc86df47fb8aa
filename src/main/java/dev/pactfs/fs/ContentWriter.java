package dev.pactfs.fs;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Turns one sequential byte stream into a chunk list: the fast path of every backup tool's big write.
 *
 * <p>The chunker runs on the caller's thread; each chunk it cuts goes to the store's put pipeline, so hashing,
 * compression and encryption of consecutive chunks run on all cores while the caller keeps feeding bytes.
 * {@link #finish} waits for the pipeline and returns the refs in stream order. The chunks stay pinned in the
 * store until the caller commits the list and calls {@code store.unpin(ids)}, or calls {@link #abort}.
 *
 * <p>Not thread-safe: one writer per stream.
 */
public final class ContentWriter {

    private final ChunkStore store;
    private final Chunker chunker;
    private final List<CompletableFuture<ChunkId>> pending = new ArrayList<>();
    private final List<Integer> lengths = new ArrayList<>();
    private long bytesWritten;
    private boolean done;

    public ContentWriter(ChunkStore store, Chunker chunker) {
        this.store = store;
        this.chunker = chunker;
    }

    /** Appends bytes to the stream. */
    public void write(byte[] buf, int off, int len) throws IOException {
        checkOpen();
        chunker.update(buf, off, len, this::submit);
        bytesWritten += len;
    }

    /** Bytes written so far. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Ends the stream and returns its chunk list once every chunk is stored (and pinned). */
    public List<ChunkRef> finish() throws IOException {
        checkOpen();
        chunker.finish(this::submit);
        done = true;
        List<ChunkRef> refs = new ArrayList<>(pending.size());
        IOException failure = null;
        for (int i = 0; i < pending.size(); i++) {
            try {
                refs.add(new ChunkRef(await(pending.get(i)), lengths.get(i)));
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            store.unpin(refs.stream().map(ChunkRef::id).toList());
            throw failure;
        }
        return refs;
    }

    /** Gives up the stream: waits for chunks in flight and releases their pins. */
    public void abort() {
        if (done) {
            return;
        }
        done = true;
        List<ChunkId> stored = new ArrayList<>();
        for (CompletableFuture<ChunkId> f : pending) {
            try {
                stored.add(await(f));
            } catch (IOException e) {
                // nothing stored for this one, nothing to unpin
            }
        }
        store.unpin(stored);
    }

    private void submit(byte[] chunk) throws IOException {
        pending.add(store.putAsync(chunk));
        lengths.add(chunk.length);
    }

    private void checkOpen() {
        if (done) {
            throw new IllegalStateException("content writer already finished");
        }
    }

    private static ChunkId await(CompletableFuture<ChunkId> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while storing chunks");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }
}
