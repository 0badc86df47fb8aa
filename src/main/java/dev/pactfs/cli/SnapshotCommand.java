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

/** {@code pactfs snapshot create|list|diff|rm|rename|tag}. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Create, list, compare, remove, rename and tag snapshots (read-only point-in-time copies of the"
                + " whole tree).",
        subcommands = {SnapshotCommand.Create.class, SnapshotCommand.ListSnapshots.class, SnapshotCommand.DiffCmd.class,
                SnapshotCommand.Remove.class, SnapshotRename.class, SnapshotTag.class})
final class SnapshotCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand: create, list, diff, rm, rename or tag");
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs snapshot create --repo /var/lib/pactfs/acme --tag weekly"},
            description = "Freeze the whole live tree as a snapshot (through the mount daemon when mounted: files"
                    + " being written appear as of their last completed write).")
    static final class Create implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Option(names = "--tag", paramLabel = "T",
                description = "A tag, for forget --keep-tag and listings (repeatable, or comma-separated).")
        List<String> tags = List.of();

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
                SnapshotService.Created c = new SnapshotService(r.store).create(name,
                        dev.pactfs.snapshot.Tags.field(dev.pactfs.snapshot.Tags.parse(tags)), live);
                // What the store really added for this snapshot (its recorded figures), not the tree blobs it
                // named: an unchanged tree names every listing again and stores none of them.
                dev.pactfs.store.DeltaStats.Window w = c.stored().added();
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                    o.put("name", c.record().name());
                    o.put("id", c.record().id().hex()); // the stable id: survives renames (decision 0011)
                    o.put("time", c.record().time().toString());
                    o.put("tag", c.record().tagField()); // comma-joined, as in `snapshot list --json`
                    o.put("root", c.record().root().toHex());
                    o.put("files", c.files());
                    o.put("directories", c.trees());
                    o.put("new_blobs", w.blobs());
                    o.put("new_stored_bytes", w.storedBytes());
                    o.put("new_as_deltas", w.deltas());
                    spec.commandLine().getOut().println(Json.pretty(o));
                    return 0;
                }
                spec.commandLine().getOut().println("snapshot " + c.record().name() + " created: " + c.files()
                        + " files, " + c.trees() + " directories; stored " + w.blobs() + " new blobs ("
                        + StatusCommand.human(w.storedBytes()) + (w.deltas() > 0 ? ", " + w.deltas() + " as deltas" : "")
                        + ")");
                return 0;
            }
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = "Remove the named snapshots (as `rmdir MNT/.snapshots/NAME`). The next replication pass"
                    + " deletes their records at the partner, so a recovery does not bring them back; their data is"
                    + " freed by the next prune. Every name must exist, or nothing is removed.",
            footer = {"", "Example:", "  pactfs snapshot rm --repo /var/lib/pactfs/acme --dry-run nightly-2026-11-02",
                    "  pactfs snapshot rm --repo /var/lib/pactfs/acme nightly-2026-11-02 nightly-2026-11-03"})
    static final class Remove implements Callable<Integer> {
        @Option(names = {"-n", "--dry-run"}, description = "Print what would be removed; change nothing.")
        boolean dryRun;

        @Option(names = "--json", description = "One JSON object: removed (names), dry_run.")
        boolean json;

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
                if (!dryRun) {
                    service.forget(distinct);
                }
                if (json) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                    o.put("dry_run", dryRun);
                    distinct.forEach(o.putArray("removed")::add);
                    spec.commandLine().getOut().println(Json.pretty(o));
                } else {
                    spec.commandLine().getOut().println((dryRun ? "would remove " : "removed ")
                            + String.join(", ", distinct) + (dryRun ? "" : "; run 'pactfs prune' to free their data"));
                }
                return 0;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List snapshots, oldest first: name, time, host, tags, size (bytes of its files), files,"
                    + " root tree.",
            footer = {"", "Example:", "  pactfs snapshot list --repo /var/lib/pactfs/acme --tag nightly --since 2026-11-01"})
    static final class ListSnapshots implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Option(names = "--tag", paramLabel = "T", description = "Only snapshots with tag T (repeatable: any of them).")
        List<String> tags = List.of();

        @Option(names = "--since", paramLabel = "WHEN", description = "Only snapshots taken at or after WHEN: a date"
                + " (2026-11-01, local midnight), a time (2026-11-01T08:00:00Z) or a span back from now (7d, 12h).")
        String since;

        @Option(names = "--json", description = "One JSON array of snapshot objects.")
        boolean json;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
                List<SnapshotRecord> all = SnapshotFilter.of(tags, since).apply(new SnapshotService(r.store).list());
                PrintWriter out = spec.commandLine().getOut();
                // Logical bytes and files, what the store added for each snapshot, and how much came as deltas.
                Map<String, SnapshotFigures.Figures> figures = new HashMap<>();
                for (SnapshotFigures.Figures fig : SnapshotFigures.all(r.catalog)) {
                    figures.put(fig.name(), fig);
                }
                if (json) {
                    com.fasterxml.jackson.databind.node.ArrayNode arr = Json.MAPPER.createArrayNode();
                    for (SnapshotRecord s : all) {
                        com.fasterxml.jackson.databind.node.ObjectNode o = arr.addObject();
                        o.put("name", s.name());
                        o.put("time", s.time().toString());
                        o.put("time_ms", s.timeMs());
                        o.put("host", s.host());
                        o.put("id", s.id().hex());
                        o.put("tag", s.tagField());
                        s.tags().forEach(o.putArray("tags")::add);
                        o.put("root", s.root().toHex());
                        o.put("parent", s.parent());
                        figures.get(s.name()).putInto(o);
                    }
                    out.println(Json.pretty(arr));
                } else {
                    String row = "%-28s %-24s %-16s %-12s %10s %8s %s%n";
                    out.printf(row, "NAME", "TIME (UTC)", "HOST", "TAGS", "SIZE", "FILES", "ROOT");
                    for (SnapshotRecord s : all) {
                        SnapshotFigures.Figures f = figures.get(s.name());
                        out.printf(row, s.name(), Instant.ofEpochMilli(s.timeMs()).toString(), s.host(),
                                s.tags().isEmpty() ? "-" : s.tagField(),
                                f == null || f.logicalBytes() == null ? "-" : StatusCommand.human(f.logicalBytes()),
                                f == null || f.files() == null ? "-" : f.files().toString(), s.root().shortHex());
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs snapshot diff --repo /var/lib/pactfs/acme nightly-2026-12-01 nightly-2026-12-02"},
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
