package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Ctrl-C on a command the mount daemon runs for a client (issue 13): before, the client exited 130 and the daemon
 * went on (a restore kept writing from 41 to 215 MB). Now the daemon stops the work, the client says so in one
 * line and exits 130, and the daemon serves the next command. The client is the launcher, signalled as a shell
 * would (with SIGINT and SIGTERM restored to their defaults: a background job of a script starts with SIGINT
 * ignored, and the JVM keeps an ignored signal ignored).
 */
class CancelForwardedMountTest {

    private static final long DATA = 192L << 20;
    private static final long STARTED = 8L << 20;

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    @Test
    void ctrlCStopsARestoreAndATermStopsAGetInTheDaemon() throws Exception {
        fx.inMount("head -c " + DATA + " /dev/urandom > \"$D/big\"").ok();
        String repo = fx.repo().toString();
        fx.pactfs(MountFixture.CMD_TIMEOUT, "snapshot", "create", "--repo", repo, "--name", "s1").ok();

        Path target = fx.base().resolve("restored");
        Client restore = Client.start("restore", "--repo", repo, "s1", target.toString());
        waitFor(() -> bytesUnder(target) > STARTED, restore, "the restore to begin writing");
        restore.signal("INT");
        Sh.Result r = restore.await();
        assertEquals(130, r.exit(), r.toString());
        assertEquals("pactfs: cancelled restore: the mount daemon stopped it; what it restored stays: rerun the same"
                + " restore to continue it", r.err().strip(), "one line: " + r);
        long stopped = bytesUnder(target);
        Thread.sleep(3_000);
        assertEquals(stopped, bytesUnder(target), "the daemon's restore must stop, not go on writing");
        assertTrue(stopped < DATA, "stopped half-way: " + stopped);
        assertTrue(fx.daemonLog().contains("restore cancelled by its client"), fx.daemonLog());

        Path copy = fx.base().resolve("copy");
        Client get = Client.start("get", "--repo", repo, "big", copy.toString());
        // get writes a temporary file beside the target and renames it when complete: watch that one.
        waitFor(() -> bytesOfGetTemps(copy) > STARTED, get, "the get to begin writing");
        get.signal("TERM");
        r = get.await();
        assertEquals(130, r.exit(), r.toString());
        assertEquals("pactfs: cancelled get: the mount daemon stopped it; no partial copy is left", r.err().strip(),
                "one line: " + r);
        assertFalse(Files.exists(copy), "a cancelled get leaves no partial copy");
        assertEquals(0, bytesOfGetTemps(copy), "a cancelled get leaves no temporary file");

        Path source = fx.plain().resolve("source");
        fx.inPlain("head -c " + DATA + " /dev/urandom > \"$D/source\"").ok();
        Path inMount = fx.mnt().resolve("put");
        Client put = Client.start("put", "--repo", repo, source.toString(), "put");
        waitFor(() -> bytesUnder(inMount) > STARTED, put, "the put to begin writing");
        put.signal("INT");
        r = put.await();
        assertEquals(130, r.exit(), r.toString());
        assertTrue(r.err().strip().endsWith("pactfs: cancelled put: the mount daemon stopped it; nothing was added to the"
                + " tree"), r.toString());
        assertFalse(Files.exists(inMount), "a cancelled put leaves no half file in the tree");

        // the daemon serves the next command, and the repo is intact
        Sh.Result check = fx.pactfs(MountFixture.CMD_TIMEOUT, "check", "--repo", repo).ok();
        assertTrue(check.out().startsWith("ok: "), check.toString());
        assertEquals(DATA, Files.size(fx.mnt().resolve("big")));
    }

    /** Bytes of get's temporary files for {@code target} (".NAME.*.pactfs-get" beside it). */
    static long bytesOfGetTemps(Path target) {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> s = Files.list(target.getParent())) {
            return s.filter(f -> f.getFileName().toString().startsWith(prefix)
                    && f.getFileName().toString().endsWith(".pactfs-get")).mapToLong(CancelForwardedMountTest::bytesUnder)
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return 0; // changing under us: ask again
        }
    }

    /** Bytes of the regular files under {@code p} (apparent sizes: what restore has written so far). */
    static long bytesUnder(Path p) {
        if (!Files.exists(p)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0; // changing under us: ask again
        }
    }

    static void waitFor(BooleanSupplier cond, Client c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!cond.getAsBoolean()) {
            if (!c.proc.isAlive()) {
                throw new AssertionError("the client ended before " + what + ": " + c.await());
            }
            if (System.nanoTime() > end) {
                c.proc.destroyForcibly();
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** The launcher running in the background, as a user's command that is about to get a Ctrl-C. */
    static final class Client {
        final List<String> argv;
        final Process proc;
        final CompletableFuture<String> out;
        final CompletableFuture<String> err;
        final long t0 = System.nanoTime();

        private Client(List<String> argv, Process proc) {
            this.argv = argv;
            this.proc = proc;
            this.out = drain(proc.getInputStream());
            this.err = drain(proc.getErrorStream());
        }

        static Client start(String... args) throws IOException {
            List<String> argv = new ArrayList<>(List.of("env", "--default-signal=INT,TERM",
                    MountFixture.launcher().toString()));
            argv.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().putAll(MountFixture.env());
            pb.environment().put("LC_ALL", "C.UTF-8");
            return new Client(argv, pb.start()); // env and the launcher exec: this pid is the JVM's
        }

        void signal(String sig) {
            Sh.run(null, java.util.Map.of(), Duration.ofSeconds(10), List.of("kill", "-" + sig, Long.toString(proc.pid())))
                    .ok();
        }

        /** Waits (at most 60 s: cancelling takes a checkpoint and at most 10 s of waiting) for the client. */
        Sh.Result await() {
            try {
                if (!proc.waitFor(60, TimeUnit.SECONDS)) {
                    proc.destroyForcibly();
                    throw new AssertionError("the client did not exit within 60 s of the signal: " + argv);
                }
                return new Sh.Result(argv, proc.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS),
                        Duration.ofNanos(System.nanoTime() - t0));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        private static CompletableFuture<String> drain(java.io.InputStream in) {
            CompletableFuture<String> f = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try (in) {
                    f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    f.complete("<output lost: " + e + ">");
                }
            }, "client-drain");
            t.setDaemon(true);
            t.start();
            return f;
        }
    }
}
