package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.Tags;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pactfs snapshot tag NAME --add T --remove T}. */
@Command(name = "tag", mixinStandardHelpOptions = true,
        description = "Add tags to and remove tags from a snapshot (as restic's `tag --add/--remove`); prints its tags"
                + " after. A snapshot holds several tags; forget --keep-tag and list --tag match any of them. The"
                + " partner's record follows at the next replication pass.",
        footer = {"", "Example:", "  pactfs snapshot tag --repo /srv/backup before-upgrade --add keep,audit --remove nightly"})
final class SnapshotTag implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--add", paramLabel = "T", description = "Tag to add (repeatable, or comma-separated).")
    List<String> add = List.of();

    @Option(names = "--remove", paramLabel = "T", description = "Tag to remove (repeatable, or comma-separated).")
    List<String> remove = List.of();

    @Option(names = "--json", description = "One JSON object: name, tags.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (add.isEmpty() && remove.isEmpty()) {
            throw new UserError("give --add T or --remove T (see `pactfs snapshot tag --help`)");
        }
        Set<String> adding = Tags.parse(add);
        Set<String> removing = Tags.parse(remove);
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            List<String> tags = new SnapshotService(r.store).retag(name, adding, removing);
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                o.put("name", name);
                tags.forEach(o.putArray("tags")::add);
                spec.commandLine().getOut().println(Json.pretty(o));
            } else {
                spec.commandLine().getOut().println(name + ": " + (tags.isEmpty() ? "no tags" : "tags " + String.join(",", tags)));
            }
            return 0;
        }
    }
}
