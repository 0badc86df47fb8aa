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

    private static final ThreadLocal<java.io.OutputStream> STDOUT = new ThreadLocal<>();

    static void withCwd(Path cwd, Runnable r) {
        CWD.set(cwd);
        try {
            r.run();
        } finally {
            CWD.remove();
        }
    }

    /** As {@link #withCwd}, with {@code stdout} as the invoking user's binary standard output. */
    static void withCwd(Path cwd, java.io.OutputStream stdout, Runnable r) {
        STDOUT.set(stdout);
        try {
            withCwd(cwd, r);
        } finally {
            STDOUT.remove();
        }
    }

    /**
     * The invoking user's standard output for bytes (a tar, a file's content): this process's fd 1, or the
     * client's when the daemon runs the command for it (streamed in frames, never held whole). Unbuffered.
     */
    static java.io.OutputStream stdout() {
        java.io.OutputStream o = STDOUT.get();
        return o != null ? o : StdoutClosed.guard(new java.io.FileOutputStream(java.io.FileDescriptor.out));
    }
}
