package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.snapshot.ForgetPolicy;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.Tags;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = "Remove snapshots a retention policy does not keep (restic's rules; -1 means unlimited)."
                + " Data is freed by 'prune', or at once with --prune.",
        footer = {"", "Examples:",
            "  pactfs forget --repo /var/lib/pactfs/acme --keep-daily 14 --keep-weekly 8 --keep-monthly 12 --dry-run",
            "  pactfs forget --repo /var/lib/pactfs/acme --keep-within 30d --keep-tag keep --prune"})
final class ForgetCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Option(names = "--keep-last", paramLabel = "N", description = "Keep the N newest snapshots.")
    int last;
    @Option(names = "--keep-hourly", paramLabel = "N", description = "Keep the newest snapshot of each of the last N hours that have one.")
    int hourly;
    @Option(names = "--keep-daily", paramLabel = "N", description = "... of the last N days.")
    int daily;
    @Option(names = "--keep-weekly", paramLabel = "N", description = "... of the last N ISO weeks.")
    int weekly;
    @Option(names = "--keep-monthly", paramLabel = "N", description = "... of the last N months.")
    int monthly;
    @Option(names = "--keep-yearly", paramLabel = "N", description = "... of the last N years.")
    int yearly;
    @Option(names = "--keep-within", paramLabel = "DURATION", description = "Keep every snapshot taken within"
            + " DURATION before the newest one, as restic: e.g. 30d, 12h, 1y6m, 1y5m7d2h (y, m = calendar months, d, h).")
    String within;
    @Option(names = "--keep-tag", paramLabel = "TAG", description = "Keep every snapshot with this tag (repeatable).")
    List<String> tags = List.of();

    @Option(names = "--prune", description = "Then prune: free the removed snapshots' data at once.")
    boolean prune;

    @Option(names = {"-n", "--dry-run"}, description = "Print what would be removed (and with --prune, freed); change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "One JSON object: keep (with reasons), remove, dry_run, and prune with --prune.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ForgetPolicy policy = new ForgetPolicy(last, hourly, daily, weekly, monthly, yearly,
                Tags.parse(tags), ZoneId.systemDefault(), within == null ? null : ForgetPolicy.Within.parse(within));
        if (policy.isEmpty()) {
            throw new UserError("no --keep-* option given: refusing to forget every snapshot");
        }
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            ForgetPolicy.Decision d = new SnapshotService(r.store).forget(policy, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            ObjectNode o = Json.object();
            o.put("dry_run", dryRun);
            ArrayNode kept = o.putArray("keep");
            for (SnapshotRecord s : d.keep()) {
                ObjectNode k = kept.addObject();
                k.put("name", s.name());
                k.put("time", s.time().toString());
                d.reasons().get(s.name()).forEach(k.putArray("reasons")::add);
                if (!json) {
                    out.println("keep   " + s.name() + "  (" + String.join(", ", d.reasons().get(s.name())) + ")");
                }
            }
            ArrayNode removed = o.putArray("remove");
            for (SnapshotRecord s : d.remove()) {
                ObjectNode k = removed.addObject();
                k.put("name", s.name());
                k.put("time", s.time().toString());
                if (!json) {
                    out.println((dryRun ? "would remove " : "remove ") + s.name());
                }
            }
            if (!json) {
                out.println(d.keep().size() + " kept, " + d.remove().size() + (dryRun ? " would be" : "")
                        + " removed" + (dryRun || d.remove().isEmpty() || prune ? "" : "; run 'pactfs prune' to free their data"));
            }
            if (prune && dryRun) {
                var p = PruneCommand.preview(r, d.remove().stream().map(SnapshotRecord::root).toList());
                if (json) {
                    o.set("prune", PruneCommand.previewJson(p));
                } else {
                    PruneCommand.report(out, false, p);
                }
            } else if (prune) {
                SnapshotService.Pruned p;
                try (Progress progress = Progress.start("prune", json, spec.commandLine().getErr())) {
                    p = PruneCommand.prune(r, progress);
                }
                if (json) {
                    o.set("prune", PruneCommand.prunedJson(p));
                } else {
                    PruneCommand.report(out, false, p);
                }
            }
            if (json) {
                out.println(Json.pretty(o));
            }
            return 0;
        }
    }
}
