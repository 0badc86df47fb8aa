package dev.pactfs.cli;

import dev.pactfs.snapshot.Restorer;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "restore", mixinStandardHelpOptions = true,
        description = "Copy a snapshot, or one path in it, out to TARGET without FUSE, preserving modes, owners,"
                + " times, symlinks, hard links, xattrs and sparse holes.",
        footer = {"%nExample:", "  pactfs restore --repo /var/lib/pactfs/acme nightly:/etc /tmp/etc-back"
                + " --include '*.conf' --exclude '/etc/ssl' --verify"})
final class RestoreCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "SNAPSHOT[:PATH]")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET",
            description = "Must not exist, or be an empty directory (a directory, for a single file). With a"
                    + " trailing '/': an existing directory to restore into.")
    String target;

    @Option(names = "--overwrite", paramLabel = "always|if-changed|never",
            description = "Restore onto an existing target: replace existing files (always), only those whose"
                    + " content differs (if-changed), or none (never). Without it an existing target is refused,"
                    + " except this very restore's own interrupted output, which is continued.")
    String overwrite;

    @Option(names = "--json", description = "One JSON document on stdout (see the admin guide); progress, when shown,"
            + " as JSON lines on stderr.")
    boolean json;

    @Option(names = "--include", paramLabel = "PATTERN",
            description = "Restore only what PATTERN names (restic's patterns: '*', '?', '[a-z]', '**' for any depth;"
                    + " a leading '/' anchors at the snapshot's root, otherwise at any depth), with everything below"
                    + " it and the directories on the way. Repeatable.")
    java.util.List<String> includes = new java.util.ArrayList<>();

    @Option(names = "--exclude", paramLabel = "PATTERN",
            description = "Leave out what PATTERN names, with everything below it; wins over --include. Repeatable.")
    java.util.List<String> excludes = new java.util.ArrayList<>();

    @Option(names = "--verify", description = "Read every restored file back and compare it with the snapshot;"
            + " exit 1 naming the files that differ.")
    boolean verify;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        int colon = source.indexOf(':');
        String name = colon < 0 ? source : source.substring(0, colon);
        String path = colon < 0 ? "" : source.substring(colon + 1);
        Restorer.Overwrite mode = overwriteMode();
        dev.pactfs.snapshot.RestoreFilter filter = filter();
        boolean into = target.endsWith("/");
        Path to = Cli.resolve(Path.of(target));
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            SnapshotService s = new SnapshotService(r.store);
            SnapshotRecord snap = s.get(name);
            PrintWriter err = spec.commandLine().getErr();
            Restorer.Progress done;
            Restorer restorer;
            try (Progress progress = Progress.start("restore", json, err)) {
                restorer = new Restorer(r.store, s.trees(), p -> progress.update(p.bytes(), p.totalBytes()))
                        .overwrite(mode).filter(filter).verify(verify);
                done = restorer.restore(snap, path, to, into);
            } catch (dev.pactfs.posix.PosixException | dev.pactfs.snapshot.TreeFormatException e) {
                throw new UserError("restore of " + source + " to " + to + " stopped: " + e.getMessage()
                        + (e instanceof dev.pactfs.posix.PosixException ? "; rerun the same restore to continue" : ""), e);
            }
            for (String w : restorer.warnings()) {
                err.println("pactfs: warning: " + w);
            }
            if (verify && !restorer.mismatches().isEmpty()) {
                throw new UserError("verify: " + restorer.mismatches().size() + " restored files differ from "
                        + snap.name() + " when read back, first " + restorer.mismatches().get(0));
            }
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                o.put("snapshot", snap.name());
                o.put("path", path);
                o.put("target", to.toString());
                o.put("files", done.files());
                o.put("bytes", done.bytes());
                Restorer.Counts c = restorer.counts();
                o.put("unchanged", c.unchanged());
                o.put("kept", c.kept());
                o.put("dropped_owners", c.droppedOwners());
                o.put("dropped_setid_bits", c.droppedSetIdBits());
                o.put("dropped_devices", c.droppedDevices());
                o.put("filtered_out", restorer.filteredOut());
                if (verify) {
                    o.put("verified", restorer.verified());
                }
                o.putPOJO("warnings", restorer.warnings());
                spec.commandLine().getOut().println(Json.pretty(o));
                return 0;
            }
            spec.commandLine().getOut().println("restored " + done.files() + " files, " + done.bytes() + " bytes from "
                    + snap.name() + (path.isEmpty() ? "" : ":" + path) + " to " + to + summary(restorer.counts())
                    + (restorer.filteredOut() > 0 ? "; " + restorer.filteredOut() + " entries left out by --include/--exclude" : "")
                    + (verify ? "; verified " + restorer.verified() + " files" : ""));
            return 0;
        }
    }

    private dev.pactfs.snapshot.RestoreFilter filter() {
        try {
            return new dev.pactfs.snapshot.RestoreFilter(
                    includes.stream().map(dev.pactfs.snapshot.PathPattern::parse).toList(),
                    excludes.stream().map(dev.pactfs.snapshot.PathPattern::parse).toList());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Restorer.Overwrite overwriteMode() {
        if (overwrite == null) {
            return Restorer.Overwrite.REFUSE;
        }
        return switch (overwrite) {
            case "always" -> Restorer.Overwrite.ALWAYS;
            case "if-changed" -> Restorer.Overwrite.IF_CHANGED;
            case "never" -> Restorer.Overwrite.NEVER;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--overwrite takes always, if-changed or never, not '" + overwrite + "'");
        };
    }

    /** What was kept or dropped, in the words of GNU tar's summary (empty when nothing was). */
    static String summary(Restorer.Counts c) {
        StringBuilder sb = new StringBuilder();
        if (c.unchanged() > 0) {
            sb.append("; ").append(c.unchanged()).append(" already complete, kept");
        }
        if (c.kept() > 0) {
            sb.append("; ").append(c.kept()).append(" existing entries left as they were");
        }
        if (c.droppedOwners() + c.droppedSetIdBits() + c.droppedDevices() > 0) {
            sb.append("; not root, so dropped: ").append(c.droppedOwners()).append(" owners, ")
                    .append(c.droppedSetIdBits()).append(" setuid/setgid modes, ").append(c.droppedDevices())
                    .append(" device nodes");
        }
        return sb.toString();
    }
}
