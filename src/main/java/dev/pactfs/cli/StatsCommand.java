package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.store.DeltaStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code pactfs stats [SNAPSHOT]}, as {@code borg info}: what the snapshots hold (logical bytes, files) against what
 * the store keeps for them, and where the difference went (dedup, compression, deltas).
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = {"Sizes, as borg info: for the repo, the logical bytes and files of every snapshot together, the"
                + " blobs and bytes the store keeps, and what dedup, compression and deltas saved; for one SNAPSHOT,"
                + " its logical size and files and the bytes it added when it was made (new stored bytes, deltas).",
                "Figures of snapshots made before this pactfs recorded them (or recovered ones) are unknown (-)."},
        footer = {"", "Examples:", "  pactfs stats --repo /var/lib/pactfs/acme",
                "  pactfs stats --repo /var/lib/pactfs/acme nightly-2026-11-30 --json"})
final class StatsCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SNAPSHOT")
    String snapshot;

    @Option(names = "--json", description = "One JSON object with the same figures, in bytes.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            List<SnapshotFigures.Figures> all = SnapshotFigures.all(r.catalog);
            ObjectNode o = Json.object();
            if (snapshot != null) {
                SnapshotFigures.Figures f = all.stream().filter(x -> x.name().equals(snapshot)).findFirst()
                        .orElseThrow(() -> new UserError("no snapshot named '" + snapshot + "'"));
                o.put("snapshot", f.name());
                o.put("time", java.time.Instant.ofEpochMilli(f.timeMs()).toString());
                f.putInto(o);
            } else {
                long logical = 0;
                long files = 0;
                boolean complete = true;
                for (SnapshotFigures.Figures f : all) {
                    complete &= f.logicalBytes() != null && f.files() != null;
                    logical += f.logicalBytes() == null ? 0 : f.logicalBytes();
                    files += f.files() == null ? 0 : f.files();
                }
                DeltaStats.Window kept = r.catalog.transaction(
                        tx -> DeltaStats.createdBetween(tx, Long.MIN_VALUE, Long.MAX_VALUE));
                o.put("snapshots", all.size());
                o.put("logical_bytes", logical);
                o.put("files", files);
                o.put("figures_complete", complete);
                o.put("blobs", kept.blobs());
                o.put("plain_bytes", kept.plainBytes());
                o.put("stored_bytes", kept.storedBytes());
                o.put("deltas", kept.deltas());
                o.put("delta_bytes_saved", kept.deltaSavedBytes());
                // Every snapshot's bytes come from the unique plaintext the store keeps (a delta counts as the
                // chunk it rebuilds); that plaintext is stored compressed, and a delta saved more than zstd alone.
                o.put("dedup_bytes_saved", Math.max(0, logical - kept.plainBytes()));
                o.put("compression_bytes_saved", Math.max(0, kept.plainBytes() - kept.storedBytes()
                        - kept.deltaSavedBytes()));
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(Json.pretty(o));
            } else {
                o.fields().forEachRemaining(e -> out.printf("%-24s %s%n", e.getKey().replace('_', ' ') + ":",
                        e.getKey().endsWith("bytes") || e.getKey().endsWith("bytes_saved")
                                ? (e.getValue().isNull() ? "-" : StatusCommand.human(e.getValue().asLong())
                                + " (" + e.getValue().asLong() + ")")
                                : e.getValue().isNull() ? "-" : e.getValue().asText()));
            }
            return 0;
        }
    }
}
