package dev.pactfs.store;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Where {@link Catalog#transaction} spends its time, summed since the catalog was opened: the hook that first
 * commits the chunk store's pending index rows, the work itself (the SQL), the free-space check before a write
 * commits, the commit, and the check for online compaction after it. Transactions that wrote count apart from
 * those that only read (a read-only transaction still "commits", which costs little). Thread-safe and lock-free:
 * LongAdders only, so the FUSE threads pay ~10 ns per phase.
 */
public final class CatalogStats {

    /** The figures at one moment (nanoseconds; a snapshot taken while transactions run is not atomic). */
    public record Snapshot(long writeTx, long readTx, long hookNanos, long workNanos, long spaceCheckNanos,
                           long commitNanos, long readCommitNanos, long afterCommitNanos) {

        /** A compact text block for the daemon's log. */
        public String table() {
            long n = Math.max(1, writeTx);
            long all = writeTx + readTx;
            return String.format(Locale.ROOT,
                    "catalog transactions: %d writing, %d read-only%n"
                            + "  phase                total ms   mean µs (per transaction of that kind)%n"
                            + "  hook (pending rows) %9.1f %9.1f (all)%n"
                            + "  work (SQL)          %9.1f %9.1f (all)%n"
                            + "  free-space check    %9.1f %9.1f (writing)%n"
                            + "  commit, writing     %9.1f %9.1f (writing)%n"
                            + "  commit, read-only   %9.1f %9.1f (read-only)%n"
                            + "  compaction check    %9.1f %9.1f (all)",
                    writeTx, readTx,
                    hookNanos / 1e6, hookNanos / 1e3 / Math.max(1, all),
                    workNanos / 1e6, workNanos / 1e3 / Math.max(1, all),
                    spaceCheckNanos / 1e6, spaceCheckNanos / 1e3 / n,
                    commitNanos / 1e6, commitNanos / 1e3 / n,
                    readCommitNanos / 1e6, readCommitNanos / 1e3 / Math.max(1, readTx),
                    afterCommitNanos / 1e6, afterCommitNanos / 1e3 / Math.max(1, all));
        }
    }

    final LongAdder writeTx = new LongAdder();
    final LongAdder readTx = new LongAdder();
    final LongAdder hookNanos = new LongAdder();
    final LongAdder workNanos = new LongAdder();
    final LongAdder spaceCheckNanos = new LongAdder();
    final LongAdder commitNanos = new LongAdder();
    final LongAdder readCommitNanos = new LongAdder();
    final LongAdder afterCommitNanos = new LongAdder();

    CatalogStats() {
    }

    /** The figures now. */
    public Snapshot snapshot() {
        return new Snapshot(writeTx.sum(), readTx.sum(), hookNanos.sum(), workNanos.sum(), spaceCheckNanos.sum(),
                commitNanos.sum(), readCommitNanos.sum(), afterCommitNanos.sum());
    }
}
