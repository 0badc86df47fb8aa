package dev.pactfs.fuse;

/**
 * Told of every FUSE operation {@link PactFuse} served: its name (as in its log lines: "read", "write",
 * "getattr"...), how long it took and what it returned (bytes for read and write, 0, or a negated errno). The mount
 * daemon's metrics and alerts implement it; called on the FUSE thread, so it must be cheap and must not throw.
 */
@FunctionalInterface
public interface FuseOpObserver {
    void done(String op, long nanos, int result);
}
