package dev.pactfs.partner;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * Caps the bytes written to (and read from) a target at a rate: a token bucket of one second's worth. A save of
 * n bytes waits until n bytes of budget have accrued, so the average over any few seconds stays under the cap.
 * Thread-safe.
 */
final class RateLimitedTarget extends ForwardingTarget {

    private final long bytesPerSecond;
    /** Time (nanoTime) at which the budget spent so far is paid off. Guarded by {@code this}. */
    private long paidUntilNanos = System.nanoTime();

    RateLimitedTarget(PartnerTarget inner, long bytesPerSecond) {
        super(inner);
        if (bytesPerSecond <= 0) {
            throw new IllegalArgumentException("rate must be positive: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Pieces of a save, so the wait is spread rather than one long sleep up front (bytes). */
    private void acquire(long bytes) throws IOException {
        long waitNanos;
        synchronized (this) {
            long now = System.nanoTime();
            // Allow a burst of at most one second of budget.
            paidUntilNanos = Math.max(paidUntilNanos, now - 1_000_000_000L);
            paidUntilNanos += (long) (bytes * 1e9 / bytesPerSecond);
            waitNanos = paidUntilNanos - now;
        }
        if (waitNanos > 0) {
            try {
                Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while pacing to the bandwidth cap");
            }
        }
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        acquire(data.length);
        inner.save(kind, name, data);
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        byte[] b = inner.load(kind, name, offset, length);
        acquire(b.length);
        return b;
    }
}
