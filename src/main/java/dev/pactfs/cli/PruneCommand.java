package dev.pactfs.cli;

import dev.pactfs.snapshot.PruneListener;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Free every chunk and tree blob no live file and no remaining snapshot references, and return"
                + " the space to the disk. Safe while mounted and writing; safe to interrupt and rerun.")
final class PruneCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = Cli.resolve(repo);
        try (OpenRepo r = OpenRepo.open(dir, keys)) {
            DaemonContext d = DaemonContext.current();
            PruneListener partner = d == null ? PartnerWiring.pruneListener(r) : d.service(PruneListener.class);
            SnapshotService.Pruned p = new SnapshotService(r.store).prune(partner, () -> bytesOnDisk(dir));
            spec.commandLine().getOut().println("freed " + p.gc().chunksFreed() + " blobs (" + p.gc().bytesFreed()
                    + " bytes), rewrote " + p.gc().deltasRewritten() + " deltas in full and " + p.gc().packsRewritten()
                    + " packs; repo " + p.bytesBefore() + " -> "
                    + p.bytesAfter() + " bytes on disk" + (p.snapshotsHandedToPartner() > 0
                    ? "; " + p.snapshotsHandedToPartner() + " forgotten snapshots handed to the partner side" : ""));
            return 0;
        }
    }

    /** Bytes of every regular file under the repo directory. */
    static long bytesOnDisk(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
