package dev.pactfs.cli;

import dev.pactfs.partner.BackgroundReplicator;
import dev.pactfs.partner.PartnerTarget;
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
        description = "Replication state: pending bytes and blobs, rate, ETA, last replicated snapshot, partner free space, last error.")
final class StatusCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
    Path repo;

    @Option(names = "--json", description = "One JSON object instead of text.")
    boolean json;

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
                s = bg.replicator().status();
            } else {
                PartnerTarget t = r.config.partner() == null ? null : PartnerWiring.target(r, null,
                        partnerTimeout.timeouts());
                s = Replicator.status(r.catalog, t, -1, false, null);
            }
            stored = r.catalog.transaction(dev.pactfs.store.DeltaStats::total);
            snapshots = SnapshotFigures.all(r.catalog);
            print(spec.commandLine().getOut(), s, bg != null);

        }
        return 0;
    }

    /** What the store holds and how much of it came as deltas (issue 6); null: not shown. */
    dev.pactfs.store.DeltaStats.Window stored;

    /** Per-snapshot figures, oldest first; empty: none shown. */
    java.util.List<SnapshotFigures.Figures> snapshots = java.util.List.of();

    void print(PrintWriter out, ReplicationStatus s, boolean daemon) {
        dev.pactfs.store.DeltaStats.Window w = stored != null ? stored
                : new dev.pactfs.store.DeltaStats.Window(0, 0, 0, 0, 0, 0);
        if (json) {
            out.printf("{\"pending_blobs\":%d,\"pending_bytes\":%d,\"rate_bytes_per_sec\":%.0f,\"eta_seconds\":%d,"
                            + "\"last_snapshot\":%s,\"last_snapshot_ms\":%d,\"partner_free_bytes\":%d,\"last_error\":%s,"
                            + "\"last_pass_ms\":%d,\"running\":%b,\"daemon\":%b,\"stored_blobs\":%d,\"stored_bytes\":%d,"
                            + "\"stored_plain_bytes\":%d,\"deltas\":%d,\"delta_stored_bytes\":%d,\"delta_bytes_saved\":%d,"
                            + "\"manifest_seq\":%d,\"manifest_ms\":%d,\"partner_check\":%s,\"partner_check_ms\":%d,"
                            + "\"partner_matched\":%b,\"snapshots\":[%s]}%n",
                    s.pendingBlobs(), s.pendingBytes(), s.rateBytesPerSec(), s.etaSeconds(), jsonString(s.lastSnapshot()),
                    s.lastSnapshotMs(), s.partnerFreeBytes(), jsonString(s.lastError()), s.lastPassMs(), s.running(), daemon,
                    w.blobs(), w.storedBytes(), w.plainBytes(), w.deltas(), w.deltaStoredBytes(), w.deltaSavedBytes(),
                    s.manifestSeq(), s.manifestMs(), jsonString(s.partnerCheck()), s.partnerCheckMs(),
                    "ok".equals(s.partnerCheck()),
                    String.join(",", snapshots.stream().map(f -> "{\"name\": " + jsonString(f.name()) + ", "
                            + f.json() + "}").toList()));
        } else {
            out.printf("pending:        %d blobs, %s%n", s.pendingBlobs(), human(s.pendingBytes()));
            out.printf("rate:           %s/s%s%n", human((long) s.rateBytesPerSec()), s.running() ? " (replicating)" : "");
            out.printf("eta:            %s%n", s.pendingBytes() == 0 ? "up to date" : s.etaSeconds() < 0 ? "unknown"
                    : s.etaSeconds() + " s");
            out.printf("last snapshot:  %s%n", s.lastSnapshot() == null ? "none replicated yet"
                    : s.lastSnapshot() + " (" + Instant.ofEpochMilli(s.lastSnapshotMs()) + ")");
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

    static String jsonString(String s) {
        return s == null ? "null" : SnapshotCommand.Json.str(s);
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
