package dev.pactfs.cli;

import java.util.List;
import java.util.Set;

/**
 * Which command lines the mount daemon runs without its kernel cache guard: those that change nothing the mount
 * shows. The guard (fuse.KernelCacheGuard) drops every name and attribute the kernel caches, before and after
 * the command, and makes every reply meanwhile uncacheable: right for put or snapshot rm, pure cost for a
 * {@code status} a monitoring script runs every minute. A command not named here is taken as changing the tree
 * (a new command is guarded until someone adds it here), so forgetting one costs speed, never correctness.
 */
final class ReadOnlyCommands {

    /** Commands that only read the repo (restore and get write outside it, where the kernel sees the writes). */
    private static final Set<String> READ_ONLY = Set.of("ls", "find", "dump", "export-tar", "get", "restore",
            "stats", "status", "audit");
    /** Subcommands of {@code snapshot} that only read. */
    private static final Set<String> READ_ONLY_SNAPSHOT = Set.of("list", "diff");

    private ReadOnlyCommands() {
    }

    /** Whether {@code args} (a command line as a client sent it) changes nothing in the mounted tree. */
    static boolean isReadOnly(List<String> args) {
        if (args.isEmpty()) {
            return true; // a usage error
        }
        // Help only before "--": after it, "-h" is an operand (`put ... -- -h`), and the command runs.
        int end = args.indexOf("--");
        List<String> options = end < 0 ? args : args.subList(0, end);
        if (options.contains("--help") || options.contains("-h") || options.contains("--version") || options.contains("-V")) {
            return true;
        }
        String name = args.get(0);
        if (name.equals("check")) {
            return args.stream().noneMatch(a -> a.equals("--repair"));
        }
        if (name.equals("snapshot")) {
            return args.size() > 1 && READ_ONLY_SNAPSHOT.contains(args.get(1));
        }
        return READ_ONLY.contains(name);
    }
}
