package dev.pactfs.cli;

import dev.pactfs.snapshot.PathPattern;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.snapshot.Trees;
import dev.pactfs.store.Cancellation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Which snapshots hold a path, as restic find. */
@Command(name = "find", mixinStandardHelpOptions = true,
        description = "Find the entries PATTERN names in every snapshot (or those given with --snapshot): one line"
                + " per match with the snapshot, mode, owner and group ids, size, mtime and path. PATTERN is"
                + " restic's: '*', '?', '[a-z]' within a name, '**' for any depth; a leading '/' anchors it at the"
                + " snapshot's root, otherwise it may start at any depth ('*.conf', 'etc/ssh/*').",
        footer = {"%nExample:", "  pactfs find --repo /var/lib/pactfs/acme 'sshd_config*' --snapshot nightly-2026-12-01"})
final class FindCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "PATTERN")
    String pattern;

    @Option(names = {"-s", "--snapshot"}, paramLabel = "SNAPSHOT", description = "Search only this snapshot."
            + " Repeatable.")
    List<String> snapshots = new ArrayList<>();

    @Option(names = "--json", description = "One JSON array of matches on stdout, each an ls --json entry with"
            + " its snapshot (see the admin guide).")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    private long found;

    @Override
    public Integer call() throws IOException {
        PathPattern p;
        try {
            p = PathPattern.parse(pattern);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            SnapshotService s = new SnapshotService(r.store);
            List<SnapshotRecord> which = new ArrayList<>();
            if (snapshots.isEmpty()) {
                which.addAll(s.list());
            } else {
                for (String n : snapshots) {
                    which.add(s.get(n)); // a missing name fails before any output
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                try (Json.ArrayWriter w = new Json.ArrayWriter(out)) {
                    for (SnapshotRecord snap : which) {
                        walk(s.trees(), s.trees().rootOf(snap.root()), "/", "/", p, (e, path) -> {
                            com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                            o.put("snapshot", snap.name());
                            w.add(o.setAll(EntryFormat.json(e, path)));
                        });
                    }
                    w.finish();
                }
                out.println();
            } else {
                for (SnapshotRecord snap : which) {
                    walk(s.trees(), s.trees().rootOf(snap.root()), "/", "/", p,
                            (e, path) -> out.println(snap.name() + "  " + EntryFormat.longLine(e, path)));
                }
            }
            out.flush();
            if (found == 0) {
                spec.commandLine().getErr().println("pactfs: no entry matches '" + pattern + "' in "
                        + (which.size() == 1 ? "snapshot " + which.get(0).name() : which.size() + " snapshots"));
            }
            return 0;
        }
    }

    /** What to do with a matching entry and its printable path. */
    private interface Match {
        void found(TreeEntry e, String shown) throws IOException;
    }

    /** {@code shown}: the printable path; {@code matched}: the UTF-8 decoded path the pattern is matched against. */
    private void walk(Trees trees, TreeEntry dir, String shown, String matched, PathPattern p, Match match)
            throws IOException {
        Cancellation.checkpoint(); // per directory
        for (TreeEntry c : trees.get(dir.subtree())) {
            String cs = EntryFormat.child(shown, c);
            String cm = (matched.endsWith("/") ? matched : matched + "/") + new String(c.name(), StandardCharsets.UTF_8);
            if (p.matches(cm)) {
                found++;
                match.found(c, cs);
            }
            if (c.isDir()) {
                walk(trees, c, cs, cm, p, match);
            }
        }
    }
}
