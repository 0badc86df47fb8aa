package dev.pactfs.cli;

import dev.pactfs.files.PrivateFiles;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fuse.FuseMount;
import dev.pactfs.fuse.PactFuse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/*
 * Detaching: without --foreground the command re-runs itself with --foreground as a child process in its own
 * session (setsid), output appended to <repo>/mount.log, and waits until the mountpoint shows in /proc/mounts
 * (exit 0) or the child dies (its last "pactfs:"/"fuse:" line is printed, exit 1). A passphrase asked on the
 * terminal is handed to the child in its environment, never on its command line.
 *
 * Stopping: fusermount -u (by hand or through `pactfs umount`) ends the FUSE loop; SIGTERM runs a shutdown hook
 * that unmounts. Either way the daemon then commits every open file, syncs the store and closes the repo before
 * it exits; the hook waits for that, so the JVM does not halt half-way.
 */

@Command(name = "mount", mixinStandardHelpOptions = true,
        description = "Mount the repository's live tree at MOUNTPOINT (a daemon unless --foreground).")
final class MountCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(MountCommand.class);

    /** File (in the repo) holding the daemon's pid while mounted, for `pactfs umount`. */
    static final String PID_FILE = "mount.pid";

    /** Longest the daemon spends before mounting on getting its put and read paths JIT-compiled. */
    static final long WARM_UP_MILLIS = 6_000;
    /** File (in the repo) collecting a detached daemon's output. */
    static final String LOG_FILE = "mount.log";
    /** How long the detaching parent waits for the mount to appear (seconds). */
    static final int DETACH_TIMEOUT_SECONDS = 120;
    /** After SIGTERM, how long open handles may keep a lazily unmounted FUSE loop alive (seconds). */
    static final int SHUTDOWN_GRACE_SECONDS = 5;

    /** fstab/mount(8) options that are not FUSE's business. */
    private static final List<String> IGNORED = List.of("defaults", "_netdev", "nofail", "noauto", "auto", "user",
            "users", "nouser", "rw", "dev", "suid", "exec", "async");

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
    Path repo;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
    Path mountPoint;

    @Option(names = "--foreground", description = "Stay in the foreground (for systemd and debugging).")
    boolean foreground;

    @Option(names = "-o", paramLabel = "OPTS", split = ",",
            description = "Mount options, comma-separated: allow_other, nonempty, key_file=FILE, other FUSE options.")
    List<String> options = new ArrayList<>();

    @Option(names = "--snapshot-every", paramLabel = "DURATION",
            description = "Take a snapshot (tag auto) at this interval, e.g. 24h, 30m, PT6H.")
    String snapshotEvery;

    @Option(names = "--snapshot-when-idle", paramLabel = "DURATION",
            description = "Take a snapshot (tag idle) once writes have stopped and every file has been closed this long.")
    String snapshotWhenIdle;
    @Option(names = "--warm-up", paramLabel = "DURATION", defaultValue = "10s",
            description = "Before mounting, rehearse a short backup on throw-away data for at most this long, so the"
                    + " first real one runs compiled (default: ${DEFAULT-VALUE}; 0 to skip).")
    String warmUp;

    @Option(names = "--bandwidth", paramLabel = "RATE", description = "Cap partner replication, e.g. 80Mbit (default: no cap).")
    String bandwidth;

    @Option(names = "--metrics", paramLabel = "[ADDR:]PORT",
            description = "Serve Prometheus metrics over HTTP at this port, on 127.0.0.1 unless an address is given"
                    + " (e.g. 9464, 127.0.0.1:9464, 0.0.0.0:9464). Default: off.")
    String metrics;

    @Option(names = "--notify-command", paramLabel = "PATH",
            description = "Run this executable with one JSON event on stdin when the partner is unreachable, a"
                    + " replication pass or the partner check fails, the RPO is exceeded, the disk reserve is"
                    + " reached or the mount fails.")
    Path notifyCommand;

    @Option(names = "--notify-repeat", paramLabel = "DURATION", defaultValue = "1h",
            description = "Notify again about a problem that lasts this long (default: ${DEFAULT-VALUE}).")
    String notifyRepeat;

    @Option(names = "--rpo-alert", paramLabel = "DURATION",
            description = "Notify when no snapshot has been safe at the partner for this long, e.g. 26h.")
    String rpoAlert;

    @Mixin
    PartnerTimeoutOption partnerTimeout;

    @Mixin
    KeyOptions keys;

    /** The detached child failed and has sent mount_failed itself. */
    private boolean childReported;

    @Override
    public Integer call() throws Exception {
        Notifier notifier = Notifier.of(notifyCommand, repo);
        try {
            return mount(notifier);
        } catch (IOException | RuntimeException e) {
            if (notifier != null && !childReported) {
                notifier.sendAndWait(notifier.event("mount_failed", "critical", "mounting " + repo + " at "
                        + mountPoint + " failed: " + e.getMessage()));
            }
            throw e;
        } finally {
            if (notifier != null) {
                notifier.close();
            }
        }
    }

    private int mount(Notifier notifier) throws Exception {
        List<String> fuseOpts = new ArrayList<>();
        boolean nonempty = false;
        for (String o : options) {
            if (o.startsWith("key_file=")) {
                keys.keyFile = Path.of(o.substring("key_file=".length()));
            } else if (o.startsWith("passphrase_file=")) {
                keys.passphraseFile = Path.of(o.substring("passphrase_file=".length()));
            } else if (!o.isEmpty() && !IGNORED.contains(o)) {
                nonempty |= o.equals("nonempty");
                fuseOpts.add(o);
            }
        }
        StaleMount.detachIfStale(mountPoint, System.err);
        if (!Files.isDirectory(mountPoint)) {
            throw new UserError("mountpoint " + mountPoint + " does not exist or is not a directory");
        }
        if (!nonempty) {
            try (Stream<Path> s = Files.list(mountPoint)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("mountpoint " + mountPoint + " is not empty (add -o nonempty to mount over it)");
                }
            }
        }
        if (isMounted(mountPoint)) {
            throw new UserError(mountPoint + " is already a mountpoint");
        }
        duration(snapshotEvery);
        duration(snapshotWhenIdle);
        warmUpDuration();
        partnerTimeout.timeouts();
        duration(notifyRepeat);
        if (duration(rpoAlert) != null && notifyCommand == null) {
            throw new UserError("--rpo-alert needs --notify-command (who should be told?)");
        }
        if (metrics != null) {
            DaemonMetrics.address(metrics);
        }
        // Before detaching: the daemon's log lives in the repo, so a wrong --repo must be reported here.
        // A format-1 repo is refused here too, before the daemon detaches, with the one line naming `migrate`.
        dev.pactfs.store.RepoConfig.readCurrent(repo);
        // Also before detaching, so that a mistake is the parent's one line and not the last line of the daemon's log.
        if (keys.keyFile != null) {
            InputFile.readable(keys.keyFile, "--key-file");
        }
        if (keys.passphraseFile != null) {
            InputFile.readable(keys.passphraseFile, "--passphrase-file");
        }
        return foreground ? runForeground(fuseOpts, notifier) : detach();
    }

    /** The --warm-up budget, or null for none ("0"). */
    java.time.Duration warmUpDuration() throws UserError {
        return warmUp == null || warmUp.matches("0+[smhd]?") ? null : duration(warmUp);
    }

    /** Parses 30s, 15m, 6h, 1d or an ISO-8601 duration (PT6H); null stays null. */
    static java.time.Duration duration(String s) throws UserError {
        if (s == null) {
            return null;
        }
        try {
            java.time.Duration d;
            if (s.matches("\\d+[smhd]")) {
                long n = Long.parseLong(s.substring(0, s.length() - 1));
                d = switch (s.charAt(s.length() - 1)) {
                    case 's' -> java.time.Duration.ofSeconds(n);
                    case 'm' -> java.time.Duration.ofMinutes(n);
                    case 'h' -> java.time.Duration.ofHours(n);
                    default -> java.time.Duration.ofDays(n);
                };
            } else {
                d = java.time.Duration.parse(s);
            }
            if (d.isNegative() || d.isZero()) {
                throw new UserError("duration must be positive: " + s);
            }
            return d;
        } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
            throw new UserError("bad duration '" + s + "': use e.g. 30s, 15m, 6h, 1d or PT6H");
        }
    }

    private int runForeground(List<String> fuseOpts, Notifier notifier) throws IOException {
        Path abs = mountPoint.toAbsolutePath().normalize();
        OpenRepo r = OpenRepo.open(repo, keys);
        java.time.Duration warm = warmUpDuration();
        if (warm != null) {
            r.store.warmUp(Math.min(WARM_UP_MILLIS, warm.toMillis()));
            MountRehearsal.run(r.dir, r.chunkerParams(), warm.toMillis());
        }
        PactFs fs;
        try {
            fs = PactFs.open(r.catalog, r.store, r.dir, r::newChunker);
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
        PactFuse fuse = new PactFuse(fs);
        dev.pactfs.snapshot.SnapshotService snapshots = new dev.pactfs.snapshot.SnapshotService(r.store);
        fuse.setSnapshots(new dev.pactfs.snapshot.SnapshotsView(snapshots, r.store, fs));
        dev.pactfs.snapshot.AutoSnapshots auto = snapshotEvery == null && snapshotWhenIdle == null ? null
                : new dev.pactfs.snapshot.AutoSnapshots(snapshots, r.catalog, fs, duration(snapshotEvery),
                        duration(snapshotWhenIdle));
        DaemonContext daemon = DaemonContext.start(r, fs);
        // Partner replication runs beside the mount (its own thread; writes never wait for it).
        dev.pactfs.partner.BackgroundReplicator replication = PartnerWiring.startDaemon(r, daemon, bandwidth,
                partnerTimeout.timeouts());
        DaemonOps ops;
        try {
            ops = DaemonOps.start(r, replication, fuse, metrics, notifier,
                    notifier == null ? null : new Alerts(notifier, duration(notifyRepeat), duration(rpoAlert)));
        } catch (RuntimeException e) {
            PartnerWiring.stopDaemon(r, replication);
            DaemonContext.stop();
            fs.close();
            r.close();
            throw e;
        }
        ControlServer control = ControlServer.start(r.dir);
        CountDownLatch closed = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        Path pidFile = r.dir.resolve(PID_FILE);
        ShutdownReport report = ShutdownReport.start(r.dir);
        Runnable closeAll = () -> {
            if (!closing.compareAndSet(false, true)) {
                return;
            }
            if (auto != null) {
                auto.close();
            }
            PartnerWiring.stopDaemon(r, replication);
            ops.close();
            try {
                control.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("pactfs: closing the control socket failed: " + e.getMessage());
            }
            DaemonContext.stop();
            try {
                fs.close();
            } catch (IOException | RuntimeException e) {
                report.problem("committing open files at shutdown failed: " + e.getMessage());
            }
            try {
                r.close();
                Files.deleteIfExists(pidFile);
            } catch (IOException | RuntimeException e) {
                report.problem("closing the repo failed: " + e.getMessage());
            }
            report.finish();
            closed.countDown();
        };
        Thread hook = new Thread(() -> {
            // SIGTERM: commit what is open first, then unmount (lazily when busy) and let the FUSE loop end; if
            // open handles keep a lazy unmount alive, close the repo ourselves after a grace period.
            if (closing.get()) {
                return; // an ordinary exit after fusermount -u: everything is committed and closed already
            }
            try {
                fs.commitAll();
            } catch (IOException | RuntimeException e) {
                report.problem("committing open files at shutdown failed: " + e.getMessage());
            }
            FuseMount.unmount(abs);
            try {
                if (!closed.await(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    closeAll.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "pactfs-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Files.deleteIfExists(pidFile); // a crashed daemon's
        PrivateFiles.writeNew(pidFile, ProcessHandle.current().pid() + "\n");
        try {
            log.info("mounting {} at {}", r.dir, abs);
            FuseMount.run(fuse, abs, FuseMount.options(r.dir, fuseOpts));
            log.info("unmounted {}", abs);
        } catch (IllegalStateException e) {
            throw new UserError(e.getMessage() + " (see the fuse: line above)", e);
        } finally {
            closeAll.run();
        }
        return 0;
    }

    private int detach() throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.add("mount");
        cmd.add("--foreground");
        cmd.add("--repo");
        cmd.add(repo.toAbsolutePath().toString());
        cmd.add("--warm-up=" + warmUp);
        if (snapshotEvery != null) {
            cmd.add("--snapshot-every=" + snapshotEvery);
        }
        if (snapshotWhenIdle != null) {
            cmd.add("--snapshot-when-idle=" + snapshotWhenIdle);
        }
        if (bandwidth != null) {
            cmd.add("--bandwidth");
            cmd.add(bandwidth);
        }
        if (partnerTimeout.value != null) {
            cmd.add("--partner-timeout=" + partnerTimeout.value);
        }
        if (metrics != null) {
            cmd.add("--metrics=" + metrics);
        }
        if (notifyCommand != null) {
            cmd.add("--notify-command=" + notifyCommand.toAbsolutePath());
            cmd.add("--notify-repeat=" + notifyRepeat);
        }
        if (rpoAlert != null) {
            cmd.add("--rpo-alert=" + rpoAlert);
        }
        if (!options.isEmpty()) {
            cmd.add("-o");
            cmd.add(String.join(",", options));
        }
        ProcessBuilder pb = new ProcessBuilder();
        String paperKey = null;
        if (keys.keyFile != null) {
            cmd.add("--key-file");
            cmd.add(keys.keyFile.toAbsolutePath().toString());
        } else if (keys.hasPaperKey()) {
            // On the child's stdin, not its command line: the daemon's argv is readable by every local user.
            paperKey = keys.paperKeyCode();
            cmd.add("--paper-key");
            cmd.add(KeyOptions.STDIN);
        } else if (keys.passphraseFile != null) {
            cmd.add("--passphrase-file");
            cmd.add(keys.passphraseFile.toAbsolutePath().toString());
        } else if (keys.passphraseCommand != null) {
            cmd.add("--passphrase-command");
            cmd.add(keys.passphraseCommand);
        } else if (System.getenv(KeyOptions.PASSPHRASE_ENV) == null
                && !options.stream().anyMatch(o -> o.startsWith("key_file=") || o.startsWith("passphrase_file="))) {
            char[] p = keys.passphraseOrNull("passphrase for " + repo + ": ");
            if (p != null) {
                pb.environment().put(KeyOptions.PASSPHRASE_ENV, new String(p));
            }
        }
        cmd.add(mountPoint.toAbsolutePath().toString());
        Path logFile = repo.resolve(LOG_FILE);
        if (!Files.exists(logFile)) {
            PrivateFiles.createFile(logFile); // appendTo below would create it through the umask (0644)
        }
        long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        pb.command(cmd).redirectInput(paperKey != null ? ProcessBuilder.Redirect.PIPE
                        : ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true);
        Process child = pb.start();
        if (paperKey != null) {
            try (var in = child.getOutputStream()) {
                in.write((paperKey + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        // Ctrl-C while the daemon starts: stop it, so that no mount appears after the user was told it did not.
        AtomicBoolean settled = new AtomicBoolean();
        Thread hook = new Thread(() -> abandon(child, settled), "pactfs-mount-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DETACH_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (isMounted(mountPoint) && settled.compareAndSet(false, true)) {
                    return 0;
                }
                if (!child.isAlive()) {
                    childReported = notifyCommand != null; // the child sent mount_failed before it exited
                    if (!settled.compareAndSet(false, true)) {
                        hook.join(); // the hook stopped it and reports that alone; it halts the JVM
                    }
                    throw new UserError(childError(logFile, logStart, child.exitValue()));
                }
                Thread.sleep(50);
            }
            child.destroy();
            throw new UserError("the mount did not appear within " + DETACH_TIMEOUT_SECONDS + " s; see " + logFile);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook stops the child
            }
        }
    }

    /**
     * The shutdown hook of a detaching mount (SIGINT, SIGTERM): unless the mount is already up, stop the starting
     * daemon (SIGTERM; its own hook unmounts if it got that far), detach a mount its death left behind, say so in
     * one line and exit 130.
     */
    private void abandon(Process child, AtomicBoolean settled) {
        if (!settled.compareAndSet(false, true)) {
            return; // mounted and reported: the daemon is on its own now
        }
        child.destroy();
        try {
            if (!child.waitFor(DETACH_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
            String[] m = mountEntry(mountPoint);
            if (m != null && unescape(m[0]).equals("pactfs:" + repo.toAbsolutePath().normalize())) {
                FuseMount.unmount(mountPoint.toAbsolutePath().normalize());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("pactfs: stopping the mount daemon failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("pactfs: cancelled mount of " + repo + ": the daemon was stopped before " + mountPoint
                + " was mounted");
        System.err.flush();
        Runtime.getRuntime().halt(ControlServer.EXIT_CANCELLED);
    }

    /** The child's last error line from the log, without a "pactfs: " prefix. */
    private static String childError(Path logFile, long from, int exit) throws IOException {
        byte[] all = Files.readAllBytes(logFile);
        String text = new String(all, (int) Math.min(from, all.length), (int) (all.length - Math.min(from, all.length)),
                StandardCharsets.UTF_8);
        String best = null;
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.startsWith("pactfs: ")) {
                best = l.substring("pactfs: ".length());
            } else if (l.startsWith("fuse: ") && best == null) {
                best = l;
            }
        }
        return best != null ? best : "the mount daemon exited with status " + exit + "; see " + logFile;
    }

    /** Whether {@code dir} is a mountpoint in /proc/mounts. */
    static boolean isMounted(Path dir) throws IOException {
        return mountEntry(dir) != null;
    }

    /** Where the repo in {@code repoDir} is mounted (its fsname is pactfs:REPO in /proc/mounts), or null. */
    static Path mountPointOf(Path repoDir) throws IOException {
        java.util.Set<String> names = new java.util.HashSet<>();
        names.add("pactfs:" + repoDir.toAbsolutePath().normalize());
        try {
            names.add("pactfs:" + repoDir.toRealPath());
        } catch (IOException e) {
            // the plain path is all there is
        }
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].equals("fuse.pactfs") && names.contains(unescape(f[0]))) {
                return Path.of(unescape(f[1]));
            }
        }
        return null;
    }

    /** The /proc/mounts fields of the mount at {@code dir}, or null. */
    static String[] mountEntry(Path dir) throws IOException {
        String want = dir.toAbsolutePath().normalize().toString();
        try {
            want = dir.toRealPath().toString();
        } catch (IOException e) {
            // a dead FUSE mount cannot be stat'ed: compare the plain path
        }
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            if (f.length > 2 && unescape(f[1]).equals(want)) {
                return f;
            }
        }
        return null;
    }

    static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
