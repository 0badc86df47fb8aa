package dev.pactfs.fuse;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/*
 * Why always on: a FUSE operation costs tens of microseconds at the very least (two context switches and a
 * libfuse path lookup), and recording one here costs two System.nanoTime() calls (~25 ns each on this kind of
 * machine), a ConcurrentHashMap get of an interned literal and three uncontended adds. The counters answer the
 * question issue 15 starts from ("where does a small file's time go?") on any running mount, without a restart
 * with a profiler attached.
 */

/**
 * Count, total time, longest time and failures of each FUSE operation a {@link PactFuse} served since it was
 * made. Thread-safe and lock-free on the recording path (LongAdder; the maximum by compare-and-set only when it
 * grows); a {@link #snapshot} taken while operations run may see one operation's count without its time.
 */
public final class FuseOpStats {

    /** One operation's figures at the time of a {@link #snapshot}. */
    public record Row(String op, long count, long totalNanos, long maxNanos, long errors) {
        /** Mean time of one operation, in nanoseconds (0 when there were none). */
        public long meanNanos() {
            return count == 0 ? 0 : totalNanos / count;
        }
    }

    private static final class Op {
        final LongAdder count = new LongAdder();
        final LongAdder nanos = new LongAdder();
        final LongAdder errors = new LongAdder();
        final AtomicLong max = new AtomicLong();
    }

    private final ConcurrentHashMap<String, Op> ops = new ConcurrentHashMap<>();

    /**
     * Records one operation named {@code op} that took {@code nanos} and returned {@code result} (a negative
     * result is a failure, counted apart; ENOENT of a lookup is one too, as the kernel sees it).
     */
    public void record(String op, long nanos, int result) {
        Op o = ops.get(op);
        if (o == null) {
            o = ops.computeIfAbsent(op, k -> new Op());
        }
        o.count.increment();
        o.nanos.add(nanos);
        if (result < 0) {
            o.errors.increment();
        }
        long m = o.max.get();
        while (nanos > m && !o.max.compareAndSet(m, nanos)) {
            m = o.max.get();
        }
    }

    /** Every operation seen so far, the one with the largest total time first. */
    public List<Row> snapshot() {
        List<Row> rows = new ArrayList<>();
        ops.forEach((name, o) -> rows.add(new Row(name, o.count.sum(), o.nanos.sum(), o.max.get(), o.errors.sum())));
        rows.sort(Comparator.comparingLong(Row::totalNanos).reversed().thenComparing(Row::op));
        return rows;
    }

    /**
     * The snapshot as a compact text table, one line per operation (times in milliseconds, mean in microseconds),
     * with each operation's share of the summed time; a last line sums them. Empty when nothing was served.
     */
    public String table() {
        return table(snapshot());
    }

    static String table(List<Row> rows) {
        if (rows.isEmpty()) {
            return "";
        }
        long allCount = 0;
        long allNanos = 0;
        for (Row r : rows) {
            allCount += r.count();
            allNanos += r.totalNanos();
        }
        StringBuilder b = new StringBuilder();
        String fmt = "%-12s %10s %11s %6s %9s %10s %8s%n";
        b.append(String.format(Locale.ROOT, fmt, "op", "count", "total ms", "share", "mean µs", "max ms", "errors"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, fmt, r.op(), r.count(), ms(r.totalNanos()),
                    percent(r.totalNanos(), allNanos), String.format(Locale.ROOT, "%.1f", r.meanNanos() / 1e3),
                    ms(r.maxNanos()), r.errors()));
        }
        b.append(String.format(Locale.ROOT, fmt, "all", allCount, ms(allNanos), "100%", "", "", ""));
        return b.toString().stripTrailing();
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static String percent(long part, long whole) {
        return whole == 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100.0 * part / whole);
    }
}
