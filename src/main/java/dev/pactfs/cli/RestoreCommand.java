package dev.pactfs.cli;

import dev.pactfs.snapshot.Restorer;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Copy a snapshot, or one path in it, out to TARGET without FUSE, preserving modes, owners,"
                + " times, symlinks, hard links, xattrs and sparse holes.")
final class RestoreCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET",
            description = "Must not exist, or be an empty directory (a directory, for a single file).")
    Path target;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        int colon = source.indexOf(':');
        String name = colon < 0 ? source : source.substring(0, colon);
        String path = colon < 0 ? "" : source.substring(colon + 1);
        Path to = Cli.resolve(target);
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            SnapshotService s = new SnapshotService(r.store);
            SnapshotRecord snap = s.get(name);
            PrintWriter err = spec.commandLine().getErr();
            boolean terminal = System.console() != null && DaemonContext.current() == null;
            long[] last = {0};
            long start = System.nanoTime();
            Restorer restorer = new Restorer(r.store, s.trees(), p -> {
                long now = System.nanoTime();
                if (terminal && now - last[0] > 200_000_000L) {
                    last[0] = now;
                    double secs = Math.max(1e-3, (now - start) / 1e9);
                    err.printf("\r%d files, %d / %d MiB, %.1f MiB/s   ", p.files(), p.bytes() >> 20, p.totalBytes() >> 20,
                            p.bytes() / secs / (1 << 20));
                    err.flush();
                }
            });
            Restorer.Progress done = restorer.restore(snap, path, to);
            if (terminal) {
                err.print("\r");
            }
            for (String w : restorer.warnings()) {
                err.println("pactfs: warning: " + w);
            }
            spec.commandLine().getOut().println("restored " + done.files() + " files, " + done.bytes() + " bytes from "
                    + snap.name() + (path.isEmpty() ? "" : ":" + path) + " to " + to);
            return 0;
        }
    }
}
