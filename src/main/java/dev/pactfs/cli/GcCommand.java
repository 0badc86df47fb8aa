package dev.pactfs.cli;

import dev.pactfs.store.ChunkStore.GcStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Free chunks nothing references any more and compact local packs, returning the space to the disk.")
final class GcCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Mixin
    KeyOptions keys;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            GcStats s = r.store.collectGarbage();
            r.catalog.compact();
            spec.commandLine().getOut().println("freed " + s.chunksFreed() + " chunks (" + s.bytesFreed() + " bytes), rewrote "
                    + s.deltasRewritten() + " deltas in full and " + s.packsRewritten() + " packs, reclaimed " + s.bytesReclaimed() + " bytes");
            return 0;
        }
    }
}
