package dev.pactfs.fs;

import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.FileChunkLists.Placed;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Reads any byte range of a file from its placed chunk refs: chunks come verified from the store (through its
 * plaintext cache), holes read as zeros. Thread-safe: it holds no state of its own.
 */
public final class ContentReader {

    private final ChunkStore store;

    public ContentReader(ChunkStore store) {
        this.store = store;
    }

    /**
     * Copies up to {@code len} bytes starting at file offset {@code offset} into {@code dst}; fewer when the
     * refs end first. {@code refs} must be in order and cover the range they claim without gaps.
     *
     * @return bytes copied (0 at or past the end)
     */
    public int read(List<Placed> refs, long offset, byte[] dst, int dstOff, int len) throws IOException {
        int copied = 0;
        for (Placed p : refs) {
            if (copied == len) {
                break;
            }
            long pos = offset + copied;
            if (p.end() <= pos) {
                continue;
            }
            if (p.offset() > pos) {
                break; // a gap: the caller's list does not cover this range
            }
            int inChunk = (int) (pos - p.offset());
            int n = (int) Math.min(len - copied, p.ref().length() - inChunk);
            if (p.ref().isHole()) {
                Arrays.fill(dst, dstOff + copied, dstOff + copied + n, (byte) 0);
            } else {
                byte[] plain = store.get(p.ref().id());
                System.arraycopy(plain, inChunk, dst, dstOff + copied, n);
            }
            copied += n;
        }
        return copied;
    }
}
