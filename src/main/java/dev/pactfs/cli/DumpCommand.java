package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TarExport;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.store.Cancellation;
import dev.pactfs.store.ChunkRef;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** One file of a snapshot to stdout, or a directory as tar, as restic dump. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Write the file at PATH in SNAPSHOT to stdout as it is, or a directory (or the whole snapshot)"
                + " as a tar archive (as export-tar writes it), without a mount.",
        footer = {"%nExamples:", "  pactfs dump --repo /var/lib/pactfs/acme nightly-2026-12-01:/etc/fstab",
            "  pactfs dump --repo /var/lib/pactfs/acme nightly-2026-12-01:/home/ann | tar -t"})
final class DumpCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]")
    String source;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            SnapshotService s = new SnapshotService(r.store);
            SnapshotArg a = SnapshotArg.resolve(s, source);
            TreeEntry e = a.entry();
            if (e.isDir()) {
                ExportTarCommand.warn(ExportTarCommand.toStdout(new TarExport(r.store, s.trees()), a),
                        spec.commandLine().getErr());
                return 0;
            }
            if (!e.isFile()) {
                throw new UserError(a.shown() + " in snapshot " + a.snapshot().name() + " is not a file or a"
                        + " directory: use ls --long to see it, or export-tar");
            }
            OutputStream os = Cli.stdout();
            long left = e.size();
            for (ChunkRef c : e.chunks()) {
                Cancellation.checkpoint();
                int n = (int) Math.min(c.length(), left);
                os.write(c.isHole() ? new byte[n] : r.store.get(c.id()), 0, n);
                left -= n;
            }
            byte[] zeros = new byte[(int) Math.min(left, 1 << 16)];
            for (; left > 0; left -= Math.min(left, zeros.length)) { // past the last chunk: a hole
                os.write(zeros, 0, (int) Math.min(left, zeros.length));
            }
            os.flush();
            return 0;
        }
    }
}
