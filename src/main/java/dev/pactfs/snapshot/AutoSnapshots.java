package dev.pactfs.snapshot;

import dev.pactfs.fs.PactFs;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.NamespaceScan;
import java.io.Closeable;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mount daemon's automatic snapshots: every {@code every} (tag "auto"), and/or once the tree has stopped
 * changing and no file has been open for {@code whenIdle} after a change (tag "idle": the natural end of a
 * backup job). A failed attempt is logged and retried at the next tick. Closing stops the timer.
 */
public final class AutoSnapshots implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(AutoSnapshots.class);

    /** How often idle detection looks at the tree, at most, in milliseconds. */
    static final long IDLE_POLL_MAX_MS = 5_000;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "pactfs-auto-snapshot");
        t.setDaemon(true);
        return t;
    });
    private final SnapshotService service;
    private final Catalog catalog;
    private final PactFs live;
    /** Runs each snapshot, a change made without FUSE (under /.snapshots), so the mount shows it at once. */
    private final Consumer<Runnable> outsideFuse;
    private String lastMarker;
    private String snapshotMarker;
    private long stableSinceNs = System.nanoTime();

    public AutoSnapshots(SnapshotService service, Catalog catalog, PactFs live, Duration every, Duration whenIdle) {
        this(service, catalog, live, every, whenIdle, Runnable::run);
    }

    /** As above; each snapshot runs inside {@code outsideFuse} (the mount's kernel cache guard). */
    public AutoSnapshots(SnapshotService service, Catalog catalog, PactFs live, Duration every, Duration whenIdle,
            Consumer<Runnable> outsideFuse) {
        this.service = service;
        this.catalog = catalog;
        this.live = live;
        this.outsideFuse = outsideFuse;
        if (every != null) {
            long ms = every.toMillis();
            timer.scheduleAtFixedRate(() -> take("auto"), ms, ms, TimeUnit.MILLISECONDS);
        }
        if (whenIdle != null) {
            long poll = Math.max(100, Math.min(IDLE_POLL_MAX_MS, whenIdle.toMillis() / 4));
            try {
                snapshotMarker = catalog.transaction(NamespaceScan::changeMarker);
            } catch (java.io.IOException e) {
                log.warn("idle snapshots: cannot read the tree: {}", e.getMessage());
            }
            timer.scheduleWithFixedDelay(() -> idleTick(whenIdle), poll, poll, TimeUnit.MILLISECONDS);
        }
    }

    private void idleTick(Duration whenIdle) {
        try {
            String marker = catalog.transaction(NamespaceScan::changeMarker);
            long now = System.nanoTime();
            if (!marker.equals(lastMarker) || live.openFileCount() > 0) {
                lastMarker = marker;
                stableSinceNs = now;
                return;
            }
            if (!marker.equals(snapshotMarker) && now - stableSinceNs >= whenIdle.toNanos()) {
                take("idle");
                snapshotMarker = catalog.transaction(NamespaceScan::changeMarker);
            }
        } catch (java.io.IOException | RuntimeException e) {
            log.warn("idle snapshot check failed: {}", e.getMessage());
        }
    }

    private void take(String tag) {
        outsideFuse.accept(() -> takeNow(tag));
    }

    private void takeNow(String tag) {
        try {
            SnapshotService.Created c = service.create(null, tag, live);
            log.info("automatic snapshot {} ({} files)", c.record().name(), c.files());
        } catch (java.io.IOException | RuntimeException e) {
            log.warn("automatic snapshot failed: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
