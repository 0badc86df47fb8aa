package dev.pactfs.cli;

import dev.pactfs.fs.Errno;
import dev.pactfs.fuse.PactFuse;
import dev.pactfs.partner.BackgroundReplicator;
import dev.pactfs.partner.ReplicationStatus;
import dev.pactfs.partner.Replicator;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the mount daemon offers its operator, wired in one place: the Prometheus endpoint ({@code --metrics}), the
 * alerts ({@code --notify-command}), and the monitor thread that samples the partner for both. Each part is
 * optional; with neither option nothing runs (FUSE operations are still counted and timed, by PactFuse itself, for
 * the table the daemon logs at unmount).
 */
final class DaemonOps implements Closeable {

    private final DaemonMetrics metrics;
    private final DaemonMonitor monitor;

    private DaemonOps(DaemonMetrics metrics, DaemonMonitor monitor) {
        this.metrics = metrics;
        this.monitor = monitor;
    }

    /**
     * @param replication the daemon's replicator, or null without a partner
     * @param metricsAt   --metrics, or null
     * @param alerts      the alert policy, or null without --notify-command
     */
    static DaemonOps start(OpenRepo r, BackgroundReplicator replication, PactFuse fuse, String metricsAt,
                           Notifier notifier, Alerts alerts) {
        Replicator rep = replication == null ? null : replication.replicator();
        DaemonMetrics metrics = metricsAt == null ? null
                : DaemonMetrics.start(metricsAt, r.store, rep == null ? null : () -> rep.status(false), fuse.stats(),
                        r.catalog::stats);
        if (metrics != null || alerts != null) {
            fuse.setObserver((op, nanos, result) -> {
                if (metrics != null) {
                    metrics.done(op, nanos, result);
                }
                if (alerts != null && result == -Errno.ENOSPC) {
                    alerts.diskReserveReached();
                }
            });
        }
        DaemonMonitor monitor = null;
        if (rep != null && (metrics != null || alerts != null)) {
            rep.setPassListener(new Replicator.PassListener() {
                @Override
                public void passed(Replicator.PassResult result) {
                    if (metrics != null && !result.partnerMatched()) {
                        metrics.error("partner_check");
                    }
                    if (alerts != null) {
                        alerts.passed(result);
                    }
                }

                @Override
                public void failed(String message) {
                    if (metrics != null) {
                        metrics.error("replication");
                    }
                    if (alerts != null) {
                        alerts.failed(message);
                    }
                }
            });
            List<Consumer<ReplicationStatus>> sinks = new ArrayList<>();
            if (metrics != null) {
                sinks.add(metrics::sample);
            }
            if (alerts != null) {
                sinks.add(alerts::sample);
            }
            monitor = DaemonMonitor.start(rep::status, sinks);
        }
        return new DaemonOps(metrics, monitor);
    }

    @Override
    public void close() {
        if (monitor != null) {
            monitor.close();
        }
        if (metrics != null) {
            metrics.close();
        }
    }
}
