package dev.pactfs.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/**
 * Where a command's {@code --repo} comes from, settled before the command line is forwarded or parsed: the command
 * line wins; without it, {@code PACTFS_REPO} (as restic's RESTIC_REPOSITORY); and a value that is a pactfs
 * mountpoint stands for the repo mounted there (its fsname {@code pactfs:REPO} in /proc/mounts), so an admin can
 * name the directory they back up into. Done here, on the raw arguments, so that forwarding to the mount daemon and
 * every command's own {@code --repo} option see the same directory.
 */
final class RepoArg {

    static final String ENV = "PACTFS_REPO";

    /** Commands whose --repo names a repo to create or a mount to make: never taken from the environment. */
    private static final Set<String> EXPLICIT = Set.of("init", "recover", "mount");

    private RepoArg() {
    }

    /** {@code args} with {@code --repo} filled in from {@code env} and a mountpoint resolved to its repo. */
    static String[] settle(String[] args, String env) {
        List<String> path = commandPath(args);
        if (path.isEmpty() || EXPLICIT.contains(path.get(0))) {
            return args;
        }
        List<String> out = new ArrayList<>(List.of(args));
        int at = repoValueIndex(out);
        if (at < 0) {
            if (env == null || env.isEmpty() || !takesRepo(path)) {
                return args;
            }
            int insert = 0;
            for (String p : path) {
                insert = out.indexOf(p) + 1; // subcommand names come in order, before any option value
            }
            out.add(insert, "--repo");
            out.add(insert + 1, env);
            at = insert + 1;
        }
        String value = out.get(at);
        boolean joined = value.startsWith("--repo=");
        String dir = joined ? value.substring("--repo=".length()) : value;
        Path repo = repoMountedAt(dir);
        if (repo != null) {
            out.set(at, joined ? "--repo=" + repo : repo.toString());
        }
        return out.toArray(String[]::new);
    }

    /** The index of the --repo value (the argument after --repo, or the --repo=DIR argument itself), or -1. */
    private static int repoValueIndex(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--")) {
                return -1;
            }
            if (args.get(i).equals("--repo") && i + 1 < args.size()) {
                return i + 1;
            }
            if (args.get(i).startsWith("--repo=")) {
                return i;
            }
        }
        return -1;
    }

    /** The subcommand names at the start of {@code args} (e.g. snapshot, list), as picocli would find them. */
    private static List<String> commandPath(String[] args) {
        List<String> path = new ArrayList<>();
        CommandLine cl = new CommandLine(new Main());
        for (String a : args) {
            CommandLine sub = cl.getSubcommands().get(a);
            if (sub == null) {
                break;
            }
            path.add(a);
            cl = sub;
        }
        return path;
    }

    private static boolean takesRepo(List<String> path) {
        CommandLine cl = new CommandLine(new Main());
        for (String p : path) {
            cl = cl.getSubcommands().get(p);
        }
        return cl.getCommandSpec().findOption("--repo") != null;
    }

    /** The repo mounted at {@code dir}, or null when {@code dir} is no pactfs mountpoint. */
    static Path repoMountedAt(String dir) {
        try {
            String[] f = MountCommand.mountEntry(Cli.resolve(Path.of(dir)));
            if (f != null && f[2].equals("fuse.pactfs") && f[0].startsWith("pactfs:")) {
                return Path.of(MountCommand.unescape(f[0]).substring("pactfs:".length()));
            }
        } catch (IOException | java.nio.file.InvalidPathException e) {
            // not a mountpoint we can read: the value stays as given
        }
        return null;
    }
}
