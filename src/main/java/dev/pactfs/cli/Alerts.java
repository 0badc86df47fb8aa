package dev.pactfs.cli;

import dev.pactfs.partner.ReplicationStatus;
import dev.pactfs.partner.Replicator;
import java.time.Duration;
import java.time.Instant;

/*
 * When to tell the admin. Each problem is a condition: the first time it is seen an event goes out at once; while
 * it lasts, again every `repeat` (so a problem that lasts a weekend is not one mail on Friday night, nor one every
 * two seconds of replication backoff); when it ends, one "resolved" event for the ones that had an alert out.
 *   partner_unreachable    a replication pass failed, or the partner did not answer the monitor's probe
 *   partner_check_failed   the listing of the partner did not match home's records and manifest, or an audit
 *                          found a pack the partner serves damaged
 *   rpo_exceeded           no snapshot safe at the partner for longer than --rpo-alert (counted from the newest
 *                          snapshot safe there, or, before the first, from when the daemon started)
 *   disk_reserve           a write was refused (ENOSPC) because the home disk reached pactfs's free-space reserve
 *   mount_failed           the daemon could not mount (sent by MountCommand)
 */

/** The daemon's alert policy over a {@link Notifier}. Thread-safe (each condition is guarded by this). */
final class Alerts implements Replicator.PassListener {

    private final Notifier notifier;
    private final long repeatMs;
    private final long rpoMs;
    private final long startMs = System.currentTimeMillis();

    private final Condition unreachable = new Condition("partner_unreachable", "critical");
    private final Condition checkFailed = new Condition("partner_check_failed", "critical");
    private final Condition rpo = new Condition("rpo_exceeded", "critical");
    private final Condition reserve = new Condition("disk_reserve", "warning");

    /**
     * @param repeat how often a lasting problem is reported again
     * @param rpo    the recovery point objective: alert when no snapshot is safe at the partner for longer; null
     *               for no such alert
     */
    Alerts(Notifier notifier, Duration repeat, Duration rpo) {
        this.notifier = notifier;
        this.repeatMs = repeat.toMillis();
        this.rpoMs = rpo == null ? -1 : rpo.toMillis();
    }

    @Override
    public void passed(Replicator.PassResult r) {
        unreachable.clear("the partner answers again: replication pass completed");
        if (!r.partnerMatched()) {
            checkFailed.raise("partner copy did not match home's records: " + r.partnerProblems().size()
                    + " problems (" + String.join("; ", r.partnerProblems().subList(0,
                    Math.min(3, r.partnerProblems().size()))) + ")" + (r.lostBlobs() > 0 ? ", " + r.lostBlobs()
                    + " blobs lost" : ", repaired from home's copy"));
        } else {
            checkFailed.clear("the partner copy matches home's records again");
        }
    }

    @Override
    public void failed(String message) {
        unreachable.raise(message);
    }

    /** An audit found damage at the partner (standalone audit, or one run inside the daemon). */
    void auditFailed(String message) {
        checkFailed.raise(message);
    }

    /** A write was refused with ENOSPC: the home disk reached the free-space reserve. */
    void diskReserveReached() {
        reserve.raise("a write into the mount was refused: the disk holding the repo reached pactfs's free-space"
                + " reserve (delete data or prune, then writes resume)");
    }

    /** What the monitor sampled: the partner probe and the age of the newest snapshot safe at the partner. */
    void sample(ReplicationStatus s) {
        if (s.partnerError() != null) {
            unreachable.raise(s.partnerError());
        }
        if (rpoMs > 0) {
            long now = System.currentTimeMillis();
            long since = s.lastSnapshotMs() > 0 ? s.lastSnapshotMs() : startMs;
            if (now - since > rpoMs) {
                rpo.raise("no snapshot safe off-site for " + StatusCommand.age(now - since)
                        + (s.lastSnapshot() == null ? " (none yet since the daemon started at " + Instant.ofEpochMilli(
                        startMs) + ")" : " (last: " + s.lastSnapshot() + " of " + Instant.ofEpochMilli(
                        s.lastSnapshotMs()) + ")") + "; the limit is " + StatusCommand.age(rpoMs));
            } else {
                rpo.clear("a snapshot is safe off-site again: " + s.lastSnapshot());
            }
        }
    }

    /** One problem's state: whether an alert is out and when it was last sent. */
    private final class Condition {
        private final String event;
        private final String severity;
        private boolean active;
        private long sinceMs;
        private long lastSentMs;

        Condition(String event, String severity) {
            this.event = event;
            this.severity = severity;
        }

        void raise(String message) {
            long now = System.currentTimeMillis();
            long since;
            synchronized (Alerts.this) {
                if (active && now - lastSentMs < repeatMs) {
                    return;
                }
                if (!active) {
                    active = true;
                    sinceMs = now;
                }
                lastSentMs = now;
                since = sinceMs;
            }
            var e = notifier.event(event, severity, message);
            e.put("since", Instant.ofEpochMilli(since).toString());
            e.put("since_ms", since);
            e.put("repeat", now != since);
            notifier.send(e);
        }

        void clear(String message) {
            long since;
            synchronized (Alerts.this) {
                if (!active) {
                    return;
                }
                active = false;
                since = sinceMs;
            }
            var e = notifier.event(event + "_resolved", "info", message);
            e.put("since", Instant.ofEpochMilli(since).toString());
            e.put("since_ms", since);
            notifier.send(e);
        }
    }
}
