package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.store.ChunkStore.GcStats;
import dev.pactfs.store.GarbagePreview;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Free chunks nothing references any more and compact local packs, returning the space to the"
                + " disk (prune does this and the partner side too).",
        footer = {"", "Example:", "  pactfs gc --repo /var/lib/pactfs/acme --dry-run"})
final class GcCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Option(names = {"-n", "--dry-run"}, description = "Print what would be freed (blobs and bytes); change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "One JSON object: freed_blobs, freed_bytes, packs_rewritten, ...; progress"
            + " as JSON lines on stderr.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            if (dryRun) {
                PruneCommand.report(spec.commandLine().getOut(), json, GarbagePreview.of(r.catalog, List.of()));
                return 0;
            }
            GcStats s;
            try (Progress progress = Progress.start("gc", json, spec.commandLine().getErr())) {
                s = r.store.collectGarbage(progress);
            }
            r.catalog.compact();
            if (json) {
                ObjectNode o = Json.object();
                o.put("dry_run", false);
                o.put("freed_blobs", s.chunksFreed());
                o.put("freed_bytes", s.bytesFreed());
                o.put("deltas_rewritten", s.deltasRewritten());
                o.put("packs_rewritten", s.packsRewritten());
                o.put("bytes_reclaimed", s.bytesReclaimed());
                spec.commandLine().getOut().println(Json.pretty(o));
            } else {
                spec.commandLine().getOut().println("freed " + s.chunksFreed() + " chunks (" + s.bytesFreed() + " bytes), rewrote "
                        + s.deltasRewritten() + " deltas in full and " + s.packsRewritten() + " packs, reclaimed " + s.bytesReclaimed() + " bytes");
            }
            return 0;
        }
    }
}
