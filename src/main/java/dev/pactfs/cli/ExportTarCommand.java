package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TarExport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** A snapshot, or a directory in it, as a tar archive, as borg export-tar. */
@Command(name = "export-tar", mixinStandardHelpOptions = true,
        description = "Write a snapshot, or PATH in it, as a tar archive to OUT (or - for stdout) without a mount:"
                + " modes, owners (numeric), mtimes to the nanosecond, symlinks, hard links, devices, fifos, xattrs"
                + " (PAX SCHILY.xattr: extract with tar --xattrs --xattrs-include='*'), long and non-UTF-8 names."
                + " Entry names are snapshot paths without the leading '/'. OUT appears only once complete (mode"
                + " 0600); a symlink at OUT is refused.",
        footer = {"%nExamples:", "  pactfs export-tar --repo /var/lib/pactfs/acme nightly-2026-12-01:/etc etc.tar",
            "  pactfs export-tar --repo /var/lib/pactfs/acme nightly-2026-12-01 - | zstd > nightly.tar.zst"})
final class ExportTarCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]")
    String source;

    @Parameters(index = "1", paramLabel = "OUT|-", description = "The archive to write, or - for stdout.")
    String out;

    @Option(names = "--json", description = "Progress as JSON lines on stderr; with OUT a file, the summary as one"
            + " JSON object on stdout (entries, bytes, out, warnings).")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            SnapshotService s = new SnapshotService(r.store);
            SnapshotArg a = SnapshotArg.resolve(s, source);
            PrintWriter err = spec.commandLine().getErr();
            if (out.equals("-")) {
                TarExport.Summary sum;
                try (Progress progress = Progress.start("export-tar", json, err)) {
                    sum = toStdout(new TarExport(r.store, s.trees()).progress(progress), a);
                }
                warn(sum, err);
                return 0;
            }
            try (OutputFile f = OutputFile.create(Cli.resolve(Path.of(out)))) {
                TarExport.Summary sum;
                try (OutputStream os = f.stream(); Progress progress = Progress.start("export-tar", json, err)) {
                    sum = new TarExport(r.store, s.trees()).progress(progress).write(a.entry(), a.path(), os);
                }
                f.commit();
                warn(sum, err);
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                    o.put("entries", sum.entries());
                    o.put("bytes", sum.bytes());
                    o.put("out", f.path().toString());
                    o.putPOJO("warnings", sum.warnings());
                    spec.commandLine().getOut().println(Json.pretty(o));
                } else {
                    spec.commandLine().getOut().println("wrote " + sum.entries() + " entries, " + sum.bytes()
                            + " bytes of file content from " + source + " to " + f.path());
                }
            }
            return 0;
        }
    }

    /** Streams the archive of {@code a} to the invoking user's stdout (never buffered whole). */
    static TarExport.Summary toStdout(TarExport export, SnapshotArg a) throws IOException {
        OutputStream os = new java.io.BufferedOutputStream(Cli.stdout(), 1 << 20);
        TarExport.Summary sum = export.write(a.entry(), a.path(), os);
        os.flush();
        return sum;
    }

    static void warn(TarExport.Summary sum, PrintWriter err) {
        for (String w : sum.warnings()) {
            err.println("pactfs: warning: " + w);
        }
        err.flush();
    }
}
