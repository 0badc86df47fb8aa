package dev.pactfs.fuse;

import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Byte arrays for FUSE reads and writes, lent per call and given back.
 *
 * <p>Why not a ThreadLocal: libfuse's worker threads are native, and jffi attaches such a thread to the JVM
 * for each callback and detaches it afterwards (jffi's {@code closure_begin}/{@code closure_end}), so every
 * callback runs on a fresh {@link Thread} and a ThreadLocal buffer was a new 128 KiB array per read or write
 * (measured: ~7 000 attaches while reading 2 GB, the arrays' zeroing ~5% and their garbage ~8% of the daemon's
 * CPU). The pool holds at most as many arrays as callbacks ever ran at once.
 */
final class IoBuffers {

    private final int size;
    private final ConcurrentLinkedDeque<byte[]> free = new ConcurrentLinkedDeque<>();

    IoBuffers(int size) {
        this.size = size;
    }

    /** An array of at least {@code len} bytes; give it back with {@link #release}. */
    byte[] take(int len) {
        if (len > size) {
            return new byte[len]; // larger than any FUSE request we configure: not pooled
        }
        byte[] b = free.pollFirst();
        return b != null ? b : new byte[size];
    }

    /** Returns an array from {@link #take}; arrays of another size are dropped. */
    void release(byte[] b) {
        if (b.length == size) {
            free.offerFirst(b);
        }
    }
}
