package dev.pactfs.cli;

import dev.pactfs.snapshot.Diff;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pactfs snapshot create|list|diff|rm}. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Create, list and compare snapshots (read-only point-in-time copies of the whole tree).",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.DiffCmd.class,
                SnapshotCommand.Remove.class})
final class SnapshotCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, list, diff or rm");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Freeze the whole live tree as a snapshot (through the mount daemon when mounted: files"
                    + " being written appear as of their last completed write).")
    static final class Create implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Option(names = "--tag", paramLabel = "T", description = "A tag, for forget --keep-tag and listings.")
        String tag;

        @Option(names = "--name", paramLabel = "N", description = "The snapshot's name (default: its UTC time).")
        String name;

        @Option(names = "--json", description = "One JSON document on stdout (see the admin guide).")
        boolean json;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
                DaemonContext d = DaemonContext.current();
                dev.pactfs.fs.PactFs live = r.isShared() && d != null ? d.fs() : null;
                SnapshotService.Created c = new SnapshotService(r.store).create(name, tag, live);
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                    o.put("name", c.record().name());
                    o.put("time", c.record().time().toString());
                    o.put("tag", c.record().tag());
                    o.put("root", c.record().root().toHex());
                    o.put("files", c.files());
                    o.put("directories", c.trees());
                    o.put("new_tree_blobs", c.newTrees());
                    spec.commandLine().getOut().println(Json.pretty(o));
                    return 0;
                }
                spec.commandLine().getOut().println("snapshot " + c.record().name() + " created: " + c.files()
                        + " files, " + c.trees() + " directories (" + c.newTrees() + " new tree blobs)");
                return 0;
            }
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove the named snapshots (their data is freed by the next prune, which also deletes their"
                    + " records at the partner). Every name must exist, or nothing is removed.")
    static final class Remove implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @picocli.CommandLine.Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
                SnapshotService service = new SnapshotService(r.store);
                java.util.Set<String> known = new java.util.HashSet<>();
                service.list().forEach(s -> known.add(s.name()));
                for (String n : names) {
                    if (!known.contains(n)) {
                        throw new UserError("no snapshot named '" + n + "': nothing removed");
                    }
                }
                List<String> distinct = List.copyOf(new java.util.LinkedHashSet<>(names));
                service.forget(distinct);
                spec.commandLine().getOut().println("removed " + String.join(", ", distinct)
                        + "; run 'pactfs prune' to free their data");
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List snapshots, oldest first.")
    static final class ListSnapshots implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Option(names = "--json", description = "One JSON array of snapshot objects.")
        boolean json;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
                List<SnapshotRecord> all = new SnapshotService(r.store).list();
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    com.fasterxml.jackson.databind.node.ArrayNode arr = Json.MAPPER.createArrayNode();
                    // Logical bytes, what the store added for each snapshot, and how much of it came as deltas.
                    Map<String, SnapshotFigures.Figures> figures = new HashMap<>();
                    for (SnapshotFigures.Figures fig : SnapshotFigures.all(r.catalog)) {
                        figures.put(fig.name(), fig);
                    }
                    for (SnapshotRecord s : all) {
                        com.fasterxml.jackson.databind.node.ObjectNode o = arr.addObject();
                        o.put("name", s.name());
                        o.put("time", s.time().toString());
                        o.put("time_ms", s.timeMs());
                        o.put("host", s.host());
                        o.put("tag", s.tag());
                        o.put("root", s.root().toHex());
                        o.put("parent", s.parent());
                        figures.get(s.name()).putInto(o);
                    }
                    out.println(Json.pretty(arr));
                } else {
                    out.printf("%-28s %-24s %-16s %-12s %s%n", "NAME", "TIME (UTC)", "HOST", "TAG", "ROOT");
                    for (SnapshotRecord s : all) {
                        out.printf("%-28s %-24s %-16s %-12s %s%n", s.name(), Instant.ofEpochMilli(s.timeMs()).toString(),
                                s.host(), s.tag() == null ? "-" : s.tag(), s.root().shortHex());
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Paths added (+), removed (-) and changed (M) from snapshot A to snapshot B, with sizes.")
    static final class DiffCmd implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Parameters(index = "0", paramLabel = "A")
        String a;

        @Parameters(index = "1", paramLabel = "B")
        String b;

        @Option(names = "--json", description = "One JSON document on stdout (see the admin guide).")
        boolean json;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
                SnapshotService s = new SnapshotService(r.store);
                List<Diff.Change> changes = new Diff(s.trees()).between(s.get(a), s.get(b));
                PrintWriter out = spec.commandLine().getOut();
                if (json) {
                    out.println(Json.pretty(diffJson(a, b, changes)));
                    return 0;
                }
                long added = 0;
                long removed = 0;
                for (Diff.Change c : changes) {
                    String p = c.path() + (c.dir() ? "/" : "");
                    switch (c.kind()) {
                        case ADDED -> {
                            out.println("+ " + p + (c.dir() ? "" : "  (" + c.newSize() + " bytes)"));
                            added += Math.max(0, c.newSize());
                        }
                        case REMOVED -> {
                            out.println("- " + p + (c.dir() ? "" : "  (" + c.oldSize() + " bytes)"));
                            removed += Math.max(0, c.oldSize());
                        }
                        case CHANGED -> out.println("M " + p + (c.dir() ? "" : "  (" + c.oldSize() + " -> "
                                + c.newSize() + " bytes)") + "  [" + c.what() + "]");
                    }
                }
                out.println(changes.size() + " changes; " + added + " bytes added, " + removed + " bytes removed");
                return 0;
            }
        }
    }

    /** {@code snapshot diff --json}: the changes and the byte totals the text report ends with. */
    static com.fasterxml.jackson.databind.node.ObjectNode diffJson(String a, String b, List<Diff.Change> changes) {
        com.fasterxml.jackson.databind.node.ObjectNode root = Json.object();
        root.put("from", a);
        root.put("to", b);
        com.fasterxml.jackson.databind.node.ArrayNode arr = root.putArray("changes");
        long added = 0;
        long removed = 0;
        for (Diff.Change c : changes) {
            com.fasterxml.jackson.databind.node.ObjectNode o = arr.addObject();
            o.put("kind", c.kind().name().toLowerCase(java.util.Locale.ROOT));
            o.put("path", c.path());
            o.put("dir", c.dir());
            if (!c.dir()) {
                switch (c.kind()) {
                    case ADDED -> {
                        o.put("new_size", c.newSize());
                        added += Math.max(0, c.newSize());
                    }
                    case REMOVED -> {
                        o.put("old_size", c.oldSize());
                        removed += Math.max(0, c.oldSize());
                    }
                    case CHANGED -> {
                        o.put("old_size", c.oldSize());
                        o.put("new_size", c.newSize());
                    }
                }
            }
            if (c.kind() == Diff.Kind.CHANGED) {
                o.put("what", c.what());
            }
        }
        root.put("bytes_added", added);
        root.put("bytes_removed", removed);
        return root;
    }
}
