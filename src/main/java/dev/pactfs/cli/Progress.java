package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/*
 * Progress of a long command (restore, recover, check --read-data), the way restic shows it: a bar with rate and
 * ETA on a terminal (drawn by the progressbar library, docs/decisions/0007-progress-bar-library.md), JSON lines on
 * stderr with --json, and nothing at all otherwise (cron mail and log files stay clean). A command the mount daemon
 * runs for a client has no terminal of its own; with --json its lines go to the client's stderr like any other
 * stderr output of the command.
 */

/** Reports bytes done of a total: a terminal bar, JSON lines, or nothing. Not thread-safe: one reporting thread. */
final class Progress implements AutoCloseable {

    /** At most one JSON line per this many nanoseconds, besides the last: a script needs no more. */
    static final long JSON_INTERVAL_NANOS = 500_000_000L;

    private final String task;
    private final PrintWriter jsonErr;
    private final ProgressBar bar;
    private final long start = System.nanoTime();
    private long lastLine;
    private long done;
    private long total;

    private Progress(String task, PrintWriter jsonErr, ProgressBar bar) {
        this.task = task;
        this.jsonErr = jsonErr;
        this.bar = bar;
    }

    /**
     * Progress of {@code task}: JSON lines on {@code err} when {@code json}, else a bar when this process has a
     * terminal and is not the mount daemon running a client's command, else silent.
     */
    static Progress start(String task, boolean json, PrintWriter err) {
        if (json) {
            return new Progress(task, err, null);
        }
        if (System.console() != null && DaemonContext.current() == null) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(0).setUnit(" MiB", 1 << 20)
                    .setStyle(ProgressBarStyle.ASCII).showSpeed().setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
            return new Progress(task, null, bar);
        }
        return new Progress(task, null, null);
    }

    /** {@code doneBytes} of {@code totalBytes} are through. */
    void update(long doneBytes, long totalBytes) {
        done = doneBytes;
        total = totalBytes;
        if (bar != null) {
            bar.maxHint(totalBytes);
            bar.stepTo(doneBytes);
        } else if (jsonErr != null) {
            long now = System.nanoTime();
            if (now - lastLine >= JSON_INTERVAL_NANOS) {
                lastLine = now;
                line(false);
            }
        }
    }

    private void line(boolean finished) {
        double secs = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        double rate = done / secs;
        ObjectNode o = Json.object();
        o.put("type", "progress");
        o.put("task", task);
        o.put("done_bytes", done);
        o.put("total_bytes", total);
        o.put("percent", total > 0 ? Math.min(100.0, Math.round(done * 1000.0 / total) / 10.0) : 0.0);
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
            bar.close();
        } else if (jsonErr != null) {
            line(true);
        }
    }
}
