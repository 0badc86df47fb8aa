package dev.pactfs.cli;

import dev.pactfs.fs.Errno;
import dev.pactfs.fuse.FuseOpObserver;
import dev.pactfs.fuse.FuseOpStats;
import dev.pactfs.partner.ReplicationStatus;
import dev.pactfs.store.CatalogStats;
import dev.pactfs.store.ChunkStore;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/*
 * The mount daemon's Prometheus endpoint (mount --metrics [ADDR:]PORT; bound to 127.0.0.1 unless an address is
 * given, since the figures say how much a site backs up and when). What it exposes, and where each comes from:
 *   pactfs_written_bytes_total               bytes written through the mount (FUSE write results)
 *   pactfs_store_new_plain_bytes_total       plaintext of chunks that were new to the store (since the mount)
 *   pactfs_store_new_stored_bytes_total      what those cost on disk, compressed and sealed
 *   pactfs_dedup_saved_bytes_total           plaintext of chunks already stored (a refcount, nothing written)
 *   pactfs_delta_saved_bytes_total           what delta coding saved against plain zstd
 *   pactfs_replication_pending_bytes/_blobs  what the partner does not hold yet (home's records, read at scrape)
 *   pactfs_replication_oldest_pending_age_seconds
 *   pactfs_last_snapshot_safe_timestamp_seconds   the newest snapshot safe at the partner (the RPO); 0: none
 *   pactfs_partner_free_bytes, pactfs_partner_up  from the monitor's last probe of the partner (-1/0: unknown)
 *   pactfs_errors_total{kind}                replication, enospc, eio, partner_check
 *   pactfs_fuse_operation_duration_seconds{op}    latency per FUSE operation (classic buckets, 50 µs to ~13 s)
 *   pactfs_fuse_operation_max_seconds{op}    the longest of each operation since the mount (fuse.FuseOpStats)
 *   pactfs_catalog_transactions_total{kind}  catalog transactions that wrote / only read (store.CatalogStats)
 *   pactfs_catalog_commit_seconds_total      time spent committing the writing ones (H2, WRITE_DELAY=0)
 *   jvm_*                                    heap, GC, threads of the daemon (Prometheus's JVM instrumentation)
 * Scrapes never touch the partner: its figures come from the monitor's sample (DaemonMonitor), so a hung share
 * cannot make the scrape hang too.
 */

/** Metrics of one mount daemon and the HTTP server that serves them. */
final class DaemonMetrics implements FuseOpObserver, Closeable {

    /** Default port (as in the node exporter's neighbourhood: 9464 is the one OpenTelemetry's exporter uses). */
    static final int DEFAULT_PORT = 9464;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final LongAdder written = new LongAdder();
    private final Counter errors;
    private final Histogram latency;
    private final HTTPServer server;
    private volatile ReplicationStatus sampled;

    /** Home's replication figures, from the catalog only; null without a partner. */
    interface StatusSource {
        ReplicationStatus status() throws IOException;
    }

    /** Cached for a second: one scrape reads several gauges from one query. */
    private volatile ReplicationStatus cached;
    private volatile long cachedAtNanos;
    private final StatusSource source;

    private DaemonMetrics(InetSocketAddress at, ChunkStore store, StatusSource source, FuseOpStats ops,
                          Supplier<CatalogStats.Snapshot> catalog) throws IOException {
        this.source = source;
        JvmMetrics.builder().register(registry);
        GaugeWithCallback.builder().name("pactfs_fuse_operation_max_seconds")
                .help("Longest time one FUSE operation took since the mount.").labelNames("op")
                .callback(cb -> ops.snapshot().forEach(row -> cb.call(row.maxNanos() / 1e9, row.op())))
                .register(registry);
        CounterWithCallback.builder().name("pactfs_catalog_transactions")
                .help("Catalog transactions since the mount, by whether they wrote.").labelNames("kind")
                .callback(cb -> {
                    CatalogStats.Snapshot s = catalog.get();
                    cb.call(s.writeTx(), "write");
                    cb.call(s.readTx(), "read");
                }).register(registry);
        CounterWithCallback.builder().name("pactfs_catalog_commit_seconds")
                .help("Time spent committing catalog transactions that wrote.")
                .callback(cb -> cb.call(catalog.get().commitNanos() / 1e9)).register(registry);
        counter("pactfs_written_bytes", "Bytes written through the mount.", written::sum);
        counter("pactfs_store_new_plain_bytes", "Plaintext bytes of chunks new to the store since the mount.",
                () -> store.stats().plainBytesNew());
        counter("pactfs_store_new_stored_bytes", "Bytes those new chunks take in the store (compressed and sealed).",
                () -> store.stats().storedBytesNew());
        counter("pactfs_dedup_saved_bytes", "Plaintext bytes not stored again because the chunk was already known.",
                () -> store.stats().plainBytesDeduped());
        counter("pactfs_delta_saved_bytes", "Bytes delta coding saved against plain zstd.",
                () -> store.stats().deltaBytesSaved());
        if (source != null) {
            gauge("pactfs_replication_pending_bytes", "Sealed bytes the partner does not hold yet.",
                    s -> s.pendingBytes());
            gauge("pactfs_replication_pending_blobs", "Blobs the partner does not hold yet.", s -> s.pendingBlobs());
            gauge("pactfs_replication_oldest_pending_age_seconds", "Age of the oldest blob not yet at the partner.",
                    s -> s.oldestPendingMs() == 0 ? 0 : (System.currentTimeMillis() - s.oldestPendingMs()) / 1000.0);
            gauge("pactfs_last_snapshot_safe_timestamp_seconds",
                    "Time of the newest snapshot safe at the partner (0: none yet).", s -> s.lastSnapshotMs() / 1000.0);
            GaugeWithCallback.builder().name("pactfs_partner_free_bytes")
                    .help("Usable space at the partner at the last probe (-1: unknown).")
                    .callback(cb -> cb.call(sampled == null ? -1 : sampled.partnerFreeBytes())).register(registry);
            GaugeWithCallback.builder().name("pactfs_partner_up")
                    .help("1 when the partner answered the last probe.")
                    .callback(cb -> cb.call(sampled != null && sampled.partnerError() == null ? 1 : 0))
                    .register(registry);
        }
        errors = Counter.builder().name("pactfs_errors").help("Errors by kind.").labelNames("kind")
                .register(registry);
        for (String kind : new String[] {"replication", "partner_check", "enospc", "eio"}) {
            errors.labelValues(kind); // present at 0 from the start, so rate() and alerts see them
        }
        latency = Histogram.builder().name("pactfs_fuse_operation_duration_seconds")
                .help("Time to serve one FUSE operation.").unit(io.prometheus.metrics.model.snapshots.Unit.SECONDS)
                .labelNames("op").classicOnly().classicExponentialUpperBounds(0.00005, 4, 10).register(registry);
        server = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry)
                .buildAndStart();
    }

    private void counter(String name, String help, java.util.function.LongSupplier value) {
        CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsLong()))
                .register(registry);
    }

    private void gauge(String name, String help, java.util.function.ToDoubleFunction<ReplicationStatus> f) {
        GaugeWithCallback.builder().name(name).help(help).callback(cb -> {
            ReplicationStatus s = now();
            if (s != null) {
                cb.call(f.applyAsDouble(s));
            }
        }).register(registry);
    }

    private ReplicationStatus now() {
        long t = System.nanoTime();
        if (cached == null || t - cachedAtNanos > 1_000_000_000L) {
            try {
                cached = source.status();
                cachedAtNanos = t;
            } catch (IOException | RuntimeException e) {
                return null; // a scrape shows the gauge missing rather than failing whole
            }
        }
        return cached;
    }

    /**
     * Starts the endpoint at {@code spec}: PORT, :PORT or ADDRESS:PORT ([v6]:PORT); without an address on
     * 127.0.0.1.
     */
    static DaemonMetrics start(String spec, ChunkStore store, StatusSource source, FuseOpStats ops,
                               Supplier<CatalogStats.Snapshot> catalog) {
        InetSocketAddress at = address(spec);
        try {
            return new DaemonMetrics(at, store, source, ops, catalog);
        } catch (IOException e) {
            throw new UserError("--metrics: cannot listen on " + at.getAddress().getHostAddress() + ":" + at.getPort()
                    + ": " + e.getMessage());
        }
    }

    static InetSocketAddress address(String spec) {
        int colon = spec.lastIndexOf(':');
        String host = colon < 0 ? "" : spec.substring(0, colon);
        String port = colon < 0 ? spec : spec.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 1 || p > 65535) {
            throw new UserError("--metrics " + spec + ": give PORT or ADDRESS:PORT, e.g. 127.0.0.1:" + DEFAULT_PORT);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host.isEmpty() ? "127.0.0.1" : host), p);
        } catch (IOException e) {
            throw new UserError("--metrics " + spec + ": unknown address " + host);
        }
    }

    /** The port it listens on (the one asked for). */
    int port() {
        return server.getPort();
    }

    /** The monitor's latest sample (partner probe included). */
    void sample(ReplicationStatus s) {
        sampled = s;
    }

    void error(String kind) {
        errors.labelValues(kind).inc();
    }

    @Override
    public void done(String op, long nanos, int result) {
        latency.labelValues(op).observe(nanos / 1e9);
        if (result > 0 && op.equals("write")) {
            written.add(result);
        } else if (result == -Errno.ENOSPC) {
            error("enospc");
        } else if (result == -Errno.EIO) {
            error("eio");
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
