package dev.pactfs.cli;

import java.nio.file.Path;

/**
 * Per-invocation context of a command: the working directory of the user who typed it. A command run inside the
 * daemon for a client resolves the client's relative paths against the client's directory, not the daemon's.
 */
public final class Cli {

    private static final ThreadLocal<Path> CWD = new ThreadLocal<>();

    private Cli() {
    }

    /** {@code path} made absolute against the invoking user's working directory. */
    public static Path resolve(Path path) {
        Path cwd = CWD.get();
        return cwd == null ? path.toAbsolutePath() : cwd.resolve(path);
    }

    static void withCwd(Path cwd, Runnable r) {
        CWD.set(cwd);
        try {
            r.run();
        } finally {
            CWD.remove();
        }
    }
}
