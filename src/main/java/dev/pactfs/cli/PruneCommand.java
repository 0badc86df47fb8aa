package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.snapshot.PruneListener;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.ByteProgress;
import dev.pactfs.store.GarbagePreview;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Free every chunk and tree blob no live file and no remaining snapshot references, and return"
                + " the space to the disk. Safe while mounted and writing; safe to interrupt and rerun.",
        footer = {"", "Example:", "  pactfs prune --repo /var/lib/pactfs/acme --dry-run",
                "  pactfs prune --repo /var/lib/pactfs/acme --json"})
final class PruneCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Option(names = {"-n", "--dry-run"}, description = "Print what would be freed (blobs and bytes); change nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "One JSON object: freed_blobs, freed_bytes, ... (see the admin guide);"
            + " progress as JSON lines on stderr.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = Cli.resolve(repo);
        try (OpenRepo r = OpenRepo.open(dir, keys)) {
            PrintWriter out = spec.commandLine().getOut();
            if (dryRun) {
                report(out, json, GarbagePreview.of(r.catalog, List.of()));
                return 0;
            }
            SnapshotService.Pruned pruned;
            try (Progress progress = Progress.start("prune", json, spec.commandLine().getErr())) {
                pruned = prune(r, progress);
            }
            report(out, json, pruned);
            return 0;
        }
    }

    /** Prunes the open repo: locally, and at the partner when a replicator is wired (the daemon's, or a new one). */
    static SnapshotService.Pruned prune(OpenRepo r) throws IOException {
        return prune(r, ByteProgress.NONE);
    }

    /** As {@link #prune(OpenRepo)}, with the compaction's progress. */
    static SnapshotService.Pruned prune(OpenRepo r, ByteProgress progress) throws IOException {
        DaemonContext d = DaemonContext.current();
        PruneListener partner = d == null ? PartnerWiring.pruneListener(r) : d.service(PruneListener.class);
        return new SnapshotService(r.store).prune(partner, () -> bytesOnDisk(r.dir), progress);
    }

    /** What a prune would free, before it runs; {@code droppedRoots} are roots of snapshots about to be forgotten. */
    static GarbagePreview.Preview preview(OpenRepo r, List<ChunkId> droppedRoots) throws IOException {
        return GarbagePreview.of(r.catalog, droppedRoots);
    }

    static void report(PrintWriter out, boolean json, GarbagePreview.Preview p) {
        if (json) {
            out.println(Json.pretty(previewJson(p)));
        } else {
            out.println("would free " + p.blobs() + " blobs (" + p.storedBytes() + " bytes stored; an estimate: blobs"
                    + " that only deltas use are freed too by the real run)");
        }
    }

    static ObjectNode previewJson(GarbagePreview.Preview p) {
        ObjectNode o = Json.object();
        o.put("dry_run", true);
        o.put("freed_blobs", p.blobs());
        o.put("freed_bytes", p.storedBytes());
        return o;
    }

    static void report(PrintWriter out, boolean json, SnapshotService.Pruned p) {
        if (json) {
            out.println(Json.pretty(prunedJson(p)));
            return;
        }
        out.println("freed " + p.gc().chunksFreed() + " blobs (" + p.gc().bytesFreed()
                + " bytes), rewrote " + p.gc().deltasRewritten() + " deltas in full and " + p.gc().packsRewritten()
                + " packs; repo " + p.bytesBefore() + " -> "
                + p.bytesAfter() + " bytes on disk" + (p.snapshotsHandedToPartner() > 0
                ? "; " + p.snapshotsHandedToPartner() + " forgotten snapshots handed to the partner side" : ""));
    }

    static ObjectNode prunedJson(SnapshotService.Pruned p) {
        ObjectNode o = Json.object();
        o.put("dry_run", false);
        o.put("freed_blobs", p.gc().chunksFreed());
        o.put("freed_bytes", p.gc().bytesFreed());
        o.put("deltas_rewritten", p.gc().deltasRewritten());
        o.put("packs_rewritten", p.gc().packsRewritten());
        o.put("bytes_on_disk_before", p.bytesBefore());
        o.put("bytes_on_disk_after", p.bytesAfter());
        o.put("snapshots_handed_to_partner", p.snapshotsHandedToPartner());
        return o;
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
