package dev.pactfs.cli;

import dev.pactfs.snapshot.ForgetPolicy;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "forget", mixinStandardHelpOptions = true,
        description = "Remove snapshots a retention policy does not keep (restic's rules; -1 means unlimited)."
                + " Data is freed by 'prune'.")
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
    @Option(names = "--keep-tag", paramLabel = "TAG", description = "Keep every snapshot with this tag (repeatable).")
    List<String> tags = List.of();

    @Option(names = {"-n", "--dry-run"}, description = "Print what would be removed; change nothing.")
    boolean dryRun;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ForgetPolicy policy = new ForgetPolicy(last, hourly, daily, weekly, monthly, yearly,
                new LinkedHashSet<>(tags), ZoneId.systemDefault());
        if (policy.isEmpty()) {
            throw new UserError("no --keep-* option given: refusing to forget every snapshot");
        }
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            ForgetPolicy.Decision d = new SnapshotService(r.store).forget(policy, dryRun);
            PrintWriter out = spec.commandLine().getOut();
            for (SnapshotRecord s : d.keep()) {
                out.println("keep   " + s.name() + "  (" + String.join(", ", d.reasons().get(s.name())) + ")");
            }
            for (SnapshotRecord s : d.remove()) {
                out.println((dryRun ? "would remove " : "remove ") + s.name());
            }
            out.println(d.keep().size() + " kept, " + d.remove().size() + (dryRun ? " would be" : "")
                    + " removed" + (dryRun || d.remove().isEmpty() ? "" : "; run 'pactfs prune' to free their data"));
            return 0;
        }
    }
}
