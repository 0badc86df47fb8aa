package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.store.ByteProgress;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/*
 * Progress of a long command (restore, recover, check --read-data, prune, gc, replicate, audit, export-tar), the
 * way restic shows it: a bar with rate and ETA on a terminal (drawn by the progressbar library,
 * docs/decisions/0007-progress-bar-library.md), JSON lines on stderr with --json, and nothing at all otherwise
 * (cron mail and log files stay clean). A command the mount daemon runs for a client has no terminal of its own:
 * with --json its lines go to the client's stderr like any other stderr output of the command; without, it sends
 * progress events (PROGRESS frames, ControlServer) and the client, which owns the terminal, draws the bar
 * (ProgressRelay) or, without a terminal, drops them.
 */

/** Reports bytes done of a total: a terminal bar, JSON lines, events to a client, or nothing. One reporting thread. */
final class Progress implements AutoCloseable, ByteProgress {

    /** At most one JSON line per this many nanoseconds, besides the last: a script needs no more. */
    static final long JSON_INTERVAL_NANOS = 500_000_000L;
    /** At most one event to a client per this many nanoseconds, besides the last: the bar's own redraw interval. */
    static final long EVENT_INTERVAL_NANOS = 200_000_000L;

    /** Where a command run by the mount daemon for a client sends its progress events; per command thread. */
    interface Events {
        void send(String task, long doneBytes, long totalBytes, boolean finished);
    }

    private static final ThreadLocal<Events> EVENTS = new ThreadLocal<>();

    private final String task;
    private final PrintWriter jsonErr;
    private final ProgressBar bar;
    private final Events events;
    private final long start = System.nanoTime();
    private long lastLine;
    private long done;
    private long total;

    private Progress(String task, PrintWriter jsonErr, ProgressBar bar, Events events) {
        this.task = task;
        this.jsonErr = jsonErr;
        this.bar = bar;
        this.events = events;
        this.lastLine = start - Math.max(JSON_INTERVAL_NANOS, EVENT_INTERVAL_NANOS); // the first update shows
    }

    /** Runs {@code command} (a command the daemon runs for a client) with its progress going to {@code events}. */
    static void withEvents(Events events, Runnable command) {
        EVENTS.set(events);
        try {
            command.run();
        } finally {
            EVENTS.remove();
        }
    }

    /**
     * Progress of {@code task}: JSON lines on {@code err} when {@code json}; events to the client when the mount
     * daemon runs the command for one; else a bar when this process has a terminal; else silent.
     */
    static Progress start(String task, boolean json, PrintWriter err) {
        if (json) {
            return new Progress(task, err, null, null);
        }
        Events events = EVENTS.get();
        if (events != null) {
            return new Progress(task, null, null, events);
        }
        if (System.console() != null && DaemonContext.current() == null) {
            return bar(task);
        }
        return new Progress(task, null, null, null);
    }

    /** A terminal bar on stderr, whatever this process is (the client drawing a daemon's events). */
    static Progress bar(String task) {
        ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(0).setUnit(" MiB", 1 << 20)
                .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        return new Progress(task, null, bar, null);
    }

    /** {@code doneBytes} of {@code totalBytes} are through. */
    @Override
    public void update(long doneBytes, long totalBytes) {
        done = doneBytes;
        total = totalBytes;
        if (bar != null) {
            bar.maxHint(totalBytes);
            bar.stepTo(doneBytes);
        } else if (jsonErr != null || events != null) {
            long now = System.nanoTime();
            if (now - lastLine >= (events != null ? EVENT_INTERVAL_NANOS : JSON_INTERVAL_NANOS)) {
                lastLine = now;
                report(false);
            }
        }
    }

    private void report(boolean finished) {
        if (events != null) {
            events.send(task, done, total, finished);
            return;
        }
        double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        double rate = done / secs;
        ObjectNode o = Json.object();
        o.put("type", "progress");
        o.put("task", task);
        o.put("done_bytes", done);
        o.put("total_bytes", total);
        o.put("percent", total > 0 ? Math.min(100.0, Math.round(done * 1000.0 / total) / 10.0) : finished ? 100.0 : 0.0);
        o.put("bytes_per_second", (long) rate);
        if (rate > 0 && total >= done) {
            o.put("eta_seconds", (long) Math.ceil((total - done) / rate));
        } else {
            o.putNull("eta_seconds");
        }
        o.put("finished", finished);
        jsonErr.println(Json.line(o));
        jsonErr.flush();
    }

    @Override
    public void close() {
        if (bar != null) {
            if (total <= 0) {
                // nothing to go through (no pack to compact, nothing pending): done, not "? %"
                bar.maxHint(1);
                bar.stepTo(1);
            }
            bar.close();
        } else if (jsonErr != null || events != null) {
            report(true);
        }
    }
}
