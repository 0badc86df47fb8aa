package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pactfs snapshot rename OLD NEW}. */
@Command(name = "rename", mixinStandardHelpOptions = true,
        description = "Rename a snapshot. Its data is untouched; the next replication pass publishes its record under"
                + " the new name and a manifest naming only that one, so a recovery finds it under NEW; prune deletes the old"
                + " record there.",
        footer = {"", "Example:", "  pactfs snapshot rename --repo /var/lib/pactfs/acme 2026-11-30T020000Z before-upgrade"})
final class SnapshotRename implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "OLD")
    String from;

    @Parameters(index = "1", paramLabel = "NEW")
    String to;

    @Option(names = "--json", description = "One JSON object: from, to.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            new SnapshotService(r.store).rename(from, to);
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                o.put("from", from);
                o.put("to", to);
                spec.commandLine().getOut().println(Json.pretty(o));
            } else {
                spec.commandLine().getOut().println("renamed " + from + " to " + to);
            }
            return 0;
        }
    }
}
