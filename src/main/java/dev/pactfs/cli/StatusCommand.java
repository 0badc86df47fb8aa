package dev.pactfs.cli;

import dev.pactfs.partner.BackgroundReplicator;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.ReplicationStatus;
import dev.pactfs.partner.Replicator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs status --repo /var/lib/pactfs/acme --json"},
        description = "Whether the repo is mounted, whether the partner answers, the last snapshot taken and the last one"
                + " safe at the partner, pending bytes, rate, ETA, partner free space, last error.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
    Path repo;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

    @Option(names = "--offline", description = "Do not ask the partner (no partner I/O): home's records only.")
    boolean offline;

    @Mixin
    PartnerTimeoutOption partnerTimeout;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            BackgroundReplicator bg = PartnerWiring.daemon(r.dir);
            ReplicationStatus s;
            if (bg != null) {
                s = bg.replicator().status(!offline);
            } else {
                PartnerTarget t = !r.config.hasPartner() || offline ? null : PartnerTargets.guarded(
                        PartnerWiring.target(r, null, partnerTimeout.timeouts()), r.config.repoId());
                s = Replicator.status(r.catalog, t, -1, false, null);
            }
            stored = r.catalog.transaction(dev.pactfs.store.DeltaStats::total);
            hasPartner = r.config.hasPartner();
            if (r.config.s3() != null && !offline) {
                try {
                    protections = PartnerTargets.s3Capabilities(r.config.s3(), r.config.repoId());
                } catch (java.io.IOException e) {
                    protections = null; // unreachable: the partner line says so
                }
            }
            repoDir = r.dir.toAbsolutePath().toString();
            Path at = MountCommand.mountPointOf(r.dir);
            mountPoint = at == null ? null : at.toString();
            snapshots = SnapshotFigures.all(r.catalog);
            print(spec.commandLine().getOut(), s, bg != null);

        }
        return 0;
    }

    /** The repo has a partner directory. */
    boolean hasPartner;

    /** What an S3 partner's bucket enforces (probed), or null: not an S3 partner, or not asked. */
    dev.pactfs.partner.S3Capabilities protections;

    /** Absolute repo directory, for the JSON. */
    String repoDir;

    /** Where the repo is mounted (from /proc/mounts), or null. */
    String mountPoint;

    /** What the store holds and how much of it came as deltas (issue 6); null: not shown. */
    dev.pactfs.store.DeltaStats.Window stored;

    /** Per-snapshot figures, oldest first; empty: none shown. */
    java.util.List<SnapshotFigures.Figures> snapshots = java.util.List.of();

    /** The version of {@code status --json}'s layout; other issues add members, a change of meaning bumps it. */
    static final String SCHEMA = "pactfs.status/1";

    void print(PrintWriter out, ReplicationStatus s, boolean daemon) {
        dev.pactfs.store.DeltaStats.Window w = stored != null ? stored
                : new dev.pactfs.store.DeltaStats.Window(0, 0, 0, 0, 0, 0);
        SnapshotFigures.Figures taken = snapshots.isEmpty() ? null : snapshots.get(snapshots.size() - 1);
        // --offline asks nothing: "reachable" would be a claim nobody checked.
        String partner = !hasPartner ? "none" : offline ? "unknown" : s.partnerError() == null ? "reachable"
                : "unreachable";
        if (json) {
            ObjectNode o = Json.object();
            o.put("schema", SCHEMA);
            o.put("repo", repoDir);
            o.put("mounted", mountPoint != null);
            o.put("mountpoint", mountPoint);
            o.put("daemon", daemon);
            o.put("partner", partner);
            o.put("partner_error", s.partnerError());
            o.put("pending_blobs", s.pendingBlobs());
            o.put("pending_bytes", s.pendingBytes());
            o.put("oldest_pending_ms", s.oldestPendingMs());
            o.put("rate_bytes_per_sec", Math.round(s.rateBytesPerSec()));
            o.put("eta_seconds", s.etaSeconds());
            o.put("last_snapshot_taken", taken == null ? null : taken.name());
            o.put("last_snapshot_taken_ms", taken == null ? 0 : taken.timeMs());
            o.put("last_snapshot_safe", s.lastSnapshot());
            o.put("last_snapshot_safe_ms", s.lastSnapshotMs());
            // The names before schema 1, same meaning as last_snapshot_safe: scripts written for them keep working.
            o.put("last_snapshot", s.lastSnapshot());
            o.put("last_snapshot_ms", s.lastSnapshotMs());
            o.put("partner_free_bytes", s.partnerFreeBytes());
            o.put("last_error", s.lastError());
            o.put("last_pass_ms", s.lastPassMs());
            o.put("running", s.running());
            o.put("stored_blobs", w.blobs());
            o.put("stored_bytes", w.storedBytes());
            o.put("stored_plain_bytes", w.plainBytes());
            o.put("deltas", w.deltas());
            o.put("delta_stored_bytes", w.deltaStoredBytes());
            o.put("delta_bytes_saved", w.deltaSavedBytes());
            o.put("manifest_seq", s.manifestSeq());
            o.put("manifest_ms", s.manifestMs());
            o.put("partner_check", s.partnerCheck());
            o.put("partner_check_ms", s.partnerCheckMs());
            o.put("partner_matched", "ok".equals(s.partnerCheck()));
            if (protections == null) {
                o.putNull("partner_protections");
            } else {
                ObjectNode p = o.putObject("partner_protections");
                p.put("no_overwrite", protections.conditionalPut());
                p.put("object_lock", protections.objectLock());
                p.put("versioning", protections.versioning());
            }
            ArrayNode arr = o.putArray("snapshots");
            for (SnapshotFigures.Figures f : snapshots) {
                ObjectNode so = arr.addObject();
                so.put("name", f.name());
                f.putInto(so);
            }
            out.println(Json.line(o));
        } else {
            out.printf("mounted:        %s%n", mountPoint == null ? "no" : "yes, at " + mountPoint);
            out.printf("partner:        %s%n", !hasPartner ? "none configured" : offline ? "not asked (--offline)"
                    : s.partnerError() == null ? "reachable" : "UNREACHABLE: " + s.partnerError());
            out.printf("pending:        %d blobs, %s%s%n", s.pendingBlobs(), human(s.pendingBytes()),
                    s.oldestPendingMs() == 0 ? "" : ", oldest since " + Instant.ofEpochMilli(s.oldestPendingMs()));
            out.printf("rate:           %s/s%s%n", human((long) s.rateBytesPerSec()), s.running() ? " (replicating)" : "");
            out.printf("eta:            %s%n", s.pendingBytes() == 0 ? "up to date"
                    : s.partnerError() != null ? "none while the partner is unreachable"
                    : s.etaSeconds() < 0 ? "unknown" : s.etaSeconds() + " s");
            // Two lines, never one: a snapshot taken is not yet a backup; only one safe at the partner survives
            // the loss of this site.
            out.printf("last snapshot taken:           %s%n", taken == null ? "none"
                    : taken.name() + " (" + Instant.ofEpochMilli(taken.timeMs()) + ")");
            out.printf("last snapshot safe at partner: %s%n", s.lastSnapshot() == null ? "none yet"
                    : s.lastSnapshot() + " (" + Instant.ofEpochMilli(s.lastSnapshotMs()) + ", "
                    + age(System.currentTimeMillis() - s.lastSnapshotMs()) + " ago)");
            if (protections != null) {
                out.printf("protections:    %s%n", protections.describe());
            }
            out.printf("partner free:   %s%n", s.partnerFreeBytes() < 0 ? "unknown" : human(s.partnerFreeBytes()));
            out.printf("last pass:      %s%n", s.lastPassMs() == 0 ? "never" : Instant.ofEpochMilli(s.lastPassMs()).toString());
            out.printf("last error:     %s%n", s.lastError() == null ? "none" : s.lastError());
            out.printf("manifest:       %s%n", s.manifestSeq() == 0 ? "none published yet"
                    : "sequence " + s.manifestSeq() + " (" + Instant.ofEpochMilli(s.manifestMs()) + ")");
            // What the last listing of the partner found: a copy that lost files must be seen, not assumed.
            out.printf("partner check:  %s%n", s.partnerCheck() == null ? "never run"
                    : s.partnerCheck() + " (" + Instant.ofEpochMilli(s.partnerCheckMs()) + ")");
            if (stored != null) {
                out.printf("stored:         %d blobs, %s (%s of plaintext)%n", w.blobs(), human(w.storedBytes()),
                        human(w.plainBytes()));
                out.printf("deltas:         %d blobs, %s stored, %s saved against plain zstd%n", w.deltas(),
                        human(w.deltaStoredBytes()), human(w.deltaSavedBytes()));
            }
            // The most recent snapshots (a week of nightly ones); snapshot list --json has them all.
            for (SnapshotFigures.Figures f : snapshots.subList(Math.max(0, snapshots.size() - 7), snapshots.size())) {
                var a = f.added();
                out.printf("snapshot %s: %s logical, %s new stored (%d blobs), %d deltas (%s stored, %s saved)%s%n",
                        f.name(), f.logicalBytes() == null ? "?" : human(f.logicalBytes()), human(a.storedBytes()),
                        a.blobs(), a.deltas(), human(a.deltaStoredBytes()), human(a.deltaSavedBytes()),
                        f.recorded() ? "" : " (estimated)");
            }
        }
        out.flush();
    }

    /** 3 d 4 h, 5 h 12 min, 7 min, 12 s. */
    static String age(long ms) {
        long sec = Math.max(0, ms / 1000);
        if (sec >= 86_400) {
            return sec / 86_400 + " d " + sec % 86_400 / 3600 + " h";
        }
        if (sec >= 3600) {
            return sec / 3600 + " h " + sec % 3600 / 60 + " min";
        }
        return sec >= 60 ? sec / 60 + " min" : sec + " s";
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }
}
