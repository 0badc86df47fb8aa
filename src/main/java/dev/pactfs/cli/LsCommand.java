package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.snapshot.Trees;
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

/** Lists a snapshot directory without a mount, as restic ls. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        description = "List the entries of a snapshot directory (or name one entry) without a mount: one snapshot"
                + " path per line; names that are not printable UTF-8 show their bytes as \\xNN.",
        footer = {"%nExample:", "  pactfs ls --repo /var/lib/pactfs/acme nightly-2026-12-01:/etc --long --recursive"})
final class LsCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]")
    String source;

    @Option(names = {"-l", "--long"}, description = "Mode, owner and group ids, size, mtime; symlink targets.")
    boolean long_;

    @Option(names = {"-R", "--recursive"}, description = "Everything below PATH, not only its entries.")
    boolean recursive;

    @Option(names = "--json", description = "One JSON array of entries on stdout (fields as in the admin guide);"
            + " --long changes nothing then.")
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
            PrintWriter out = spec.commandLine().getOut();
            String top = a.shown();
            if (json) {
                try (Json.ArrayWriter w = new Json.ArrayWriter(out)) {
                    list(s.trees(), a.entry(), top, (e, p) -> w.add(EntryFormat.json(e, p)));
                    w.finish();
                }
                out.println();
            } else {
                list(s.trees(), a.entry(), top, (e, p) -> out.println(long_ ? EntryFormat.longLine(e, p) : p));
            }
            out.flush();
            return 0;
        }
    }

    /** What to do with each listed entry and its printable path. */
    private interface Sink {
        void accept(TreeEntry e, String path) throws IOException;
    }

    /** {@code e} itself when it is not a directory, else its entries (all below it with --recursive). */
    private void list(Trees trees, TreeEntry e, String path, Sink sink) throws IOException {
        if (!e.isDir()) {
            sink.accept(e, path);
            return;
        }
        for (TreeEntry c : trees.get(e.subtree())) {
            String p = EntryFormat.child(path, c);
            sink.accept(c, p);
            if (recursive && c.isDir()) {
                list(trees, c, p, sink);
            }
        }
    }
}
