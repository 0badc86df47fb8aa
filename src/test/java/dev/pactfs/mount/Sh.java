package dev.pactfs.mount;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs real commands (bash scripts or argv lists) with a timeout and captures their output. */
public final class Sh {
    private Sh() {}

    private static final java.util.concurrent.ExecutorService DRAINERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sh-drain");
        t.setDaemon(true);
        return t;
    });

    public record Result(List<String> command, int exit, String out, String err, Duration took) {
        public Result ok() {
            if (exit != 0) {
                throw new AssertionError("command failed (exit " + exit + "): " + command
                        + "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err));
            }
            return this;
        }

        public Result failed() {
            if (exit == 0) {
                throw new AssertionError("command unexpectedly succeeded: " + command
                        + "\n--- stdout ---\n" + tail(out) + "\n--- stderr ---\n" + tail(err));
            }
            return this;
        }

        @Override
        public String toString() {
            return command + " -> exit " + exit + " in " + took.toMillis() + " ms\n--- stdout ---\n" + tail(out)
                    + "\n--- stderr ---\n" + tail(err);
        }
    }

    static String tail(String s) {
        return s.length() <= 6000 ? s : "...(" + (s.length() - 6000) + " chars cut)...\n" + s.substring(s.length() - 6000);
    }

    /** bash -c script, in dir, with extra environment, failing after timeout (the whole process group is killed). */
    public static Result bash(Path dir, Map<String, String> env, Duration timeout, String script) {
        return run(dir, env, timeout, List.of("bash", "-c", "set -euo pipefail\n" + script));
    }

    public static Result run(Path dir, Map<String, String> env, Duration timeout, List<String> argv) {
        // setsid: own process group, so a timeout kills the pipeline's children as well.
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.add("--wait");
        cmd.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        // Tools get a UTF-8 locale with C collation and messages; a test may override it (e.g. LC_ALL=C).
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p);
                throw new AssertionError("command timed out after " + timeout + ": " + argv
                        + "\n--- stdout ---\n" + tail(out.getNow("")) + "\n--- stderr ---\n" + tail(err.getNow("")));
            }
            return new Result(argv, p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS),
                    Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            killTree(p);
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted: " + argv, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // Output still open: a background child kept the pipes. Report what we have.
            return new Result(argv, p.exitValue(), out.getNow(""), err.getNow(""), Duration.ofNanos(System.nanoTime() - t0));
        }
    }

    private static void killTree(Process p) {
        // setsid made p the leader of its own process group: kill the group.
        try {
            new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException ignored) {
            // fall through to destroyForcibly
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static CompletableFuture<String> drain(InputStream in) {
        // A thread per stream: the common pool may have a single thread on 2 cores,
        // and draining stdout and stderr one after the other can deadlock.
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<output lost: " + e + ">";
            }
        }, DRAINERS);
    }
}
