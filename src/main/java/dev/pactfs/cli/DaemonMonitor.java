package dev.pactfs.cli;

import dev.pactfs.partner.ReplicationStatus;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the daemon's replication status (partner probe included) every {@link #INTERVAL_MS} on a thread of its
 * own and hands it to the alerts and the metrics. A probe of a hung partner blocks this thread for at most the
 * partner's short deadline, never a FUSE thread or a scrape.
 */
final class DaemonMonitor implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(DaemonMonitor.class);

    /** Time between samples, ms: an unreachable partner shows within this even between replication passes. */
    static final long INTERVAL_MS = 15_000;
    /** First sample after mounting, ms. */
    static final long FIRST_MS = 2_000;

    /** The status to sample. */
    interface Source {
        ReplicationStatus status() throws IOException;
    }

    private final Thread thread;
    private volatile boolean stopping;

    private DaemonMonitor(Source source, List<Consumer<ReplicationStatus>> sinks) {
        thread = new Thread(() -> {
            long delay = FIRST_MS;
            while (!stopping) {
                synchronized (this) {
                    try {
                        wait(delay);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                delay = INTERVAL_MS;
                try {
                    ReplicationStatus s = source.status();
                    for (Consumer<ReplicationStatus> sink : sinks) {
                        sink.accept(s);
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("monitor: {}", e.toString());
                }
            }
        }, "pactfs-monitor");
        thread.setDaemon(true);
    }

    static DaemonMonitor start(Source source, List<Consumer<ReplicationStatus>> sinks) {
        DaemonMonitor m = new DaemonMonitor(source, sinks);
        m.thread.start();
        return m;
    }

    @Override
    public void close() {
        stopping = true;
        synchronized (this) {
            notifyAll();
        }
    }
}
