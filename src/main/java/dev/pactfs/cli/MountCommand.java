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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/*
 * Detaching: without --foreground the command re-runs itself with --foreground as a child process in its own
 * session (setsid), its arguments spelled back from picocli's model (ParsedArgs), and waits until the mountpoint
 * shows in /proc/mounts (exit 0) or the child dies (exit 1, with the child's reason: its last "pactfs:" line and the
 * "fuse:" line libfuse printed before it). The child's output goes to <repo>/mount.log, or, when this command's
 * stderr is systemd's journal (a mount unit, JournalStream), to the journal. While waiting, the parent shows the
 * child's progress lines ("pactfs mount: ...", one per warm-up phase) on its stderr. A passphrase asked on the
 * terminal is handed to the child in its environment, never on its command line.
 *
 * fstab: -o entries that name an option of this command (FstabOptions: snapshot_every=24h) are turned into that
 * option and the command is parsed again, so picocli converts and checks them as it does typed ones.
 *
 * Stopping: fusermount -u (by hand, through `pactfs umount` or umount(8)'s umount.fuse.pactfs) ends the FUSE loop;
 * SIGTERM runs a shutdown hook that unmounts. Either way the daemon then commits every open file, syncs the store
 * and closes the repo before it exits; the hook waits for that, so the JVM does not halt half-way, and ends the
 * JVM with status 0 when everything was committed (1 when not) rather than the 143 of a plain SIGTERM death.
 */

@Command(name = "mount", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs mount --repo /var/lib/pactfs/acme /srv/backup --snapshot-every 24h"},
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

    /** Prefix of the daemon's progress lines on stderr, which a detaching parent shows on its own stderr. */
    static final String PROGRESS = "pactfs mount: ";
    /** End of the daemon's message when libfuse refused the mount and printed why on its own line before. */
    static final String SEE_FUSE_LINE = " (see the fuse: line above)";

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
            description = "Mount options, comma-separated: FUSE's (allow_other, nonempty, ...) and any option of this"
                    + " command in its fstab spelling, long name with _ for - (key_file=FILE, snapshot_every=24h).")
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

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        FstabOptions.Split fstab = FstabOptions.split(spec, options);
        if (!fstab.daemonArgs().isEmpty()) {
            return reparseWith(fstab);
        }
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
            if (!o.isEmpty() && !IGNORED.contains(o)) {
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

    /** Runs mount again with the fstab spellings of its own options turned into those options. */
    private int reparseWith(FstabOptions.Split fstab) {
        List<String> args = new ArrayList<>(List.of("mount"));
        args.addAll(ParsedArgs.of(spec.commandLine().getParseResult(), java.util.Set.of("-o")));
        if (!fstab.mountOptions().isEmpty()) {
            args.add("-o");
            args.add(String.join(",", fstab.mountOptions()));
        }
        args.addAll(fstab.daemonArgs());
        return Main.execute(args.toArray(new String[0]), spec.commandLine().getOut(), spec.commandLine().getErr());
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
        progress("opening " + repo.toAbsolutePath().normalize());
        OpenRepo r = OpenRepo.open(repo, keys);
        java.time.Duration warm = warmUpDuration();
        if (warm != null) {
            long storeMillis = Math.min(WARM_UP_MILLIS, warm.toMillis());
            progress("warm-up 1/2: compiling the store's write and read paths (at most " + seconds(storeMillis) + ")");
            r.store.warmUp(storeMillis);
            progress("warm-up 2/2: rehearsing a backup on throw-away data (at most " + seconds(warm.toMillis())
                    + "; --warm-up=0 skips the warm-up)");
            MountRehearsal.run(r.dir, r.chunkerParams(), warm.toMillis());
        }
        PactFs fs;
        try {
            progress("loading the file tree");
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
                        duration(snapshotWhenIdle), fuse::outsideFuse);
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
        ControlServer control = ControlServer.start(r.dir, fuse::outsideFuse);
        CountDownLatch closed = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        // Whether anything failed to commit or close: decides the exit status after SIGTERM.
        java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
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
                failed.set(true);
                System.err.println("pactfs: closing the control socket failed: " + e.getMessage());
            }
            DaemonContext.stop();
            try {
                fs.close();
            } catch (IOException | RuntimeException e) {
                failed.set(true);
                report.problem("committing open files at shutdown failed: " + e.getMessage());
            }
            logOperationStats(fuse, r);
            try {
                r.close();
                Files.deleteIfExists(pidFile);
            } catch (IOException | RuntimeException e) {
                failed.set(true);
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
                failed.set(true);
                report.problem("committing open files at shutdown failed: " + e.getMessage());
            }
            FuseMount.unmount(abs);
            try {
                if (!closed.await(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
                    closeAll.run(); // returns at once when the main thread is closing already
                }
                closed.await(); // whoever closes: the JVM must not halt before the repo is closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // A stop asked for and done cleanly is a success (systemd and scripts read 143 as a failure). halt, as
            // exit() cannot be called from a shutdown hook; the repo is closed and every log line written.
            System.err.flush();
            System.out.flush();
            Runtime.getRuntime().halt(failed.get() ? Main.EXIT_USER_ERROR : 0);
        }, "pactfs-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Files.deleteIfExists(pidFile); // a crashed daemon's
        PrivateFiles.writeNew(pidFile, ProcessHandle.current().pid() + "\n");
        try {
            progress("mounting at " + abs);
            log.info("mounting {} at {}", r.dir, abs);
            FuseMount.run(fuse, abs, FuseMount.options(r.dir, fuseOpts));
            log.info("unmounted {}", abs);
        } catch (IllegalStateException e) {
            throw new UserError(e.getMessage() + SEE_FUSE_LINE, e);
        } finally {
            closeAll.run();
        }
        return 0;
    }

    /**
     * Logs, once at unmount, what the mount served: count, total, mean and longest time of each FUSE operation, and
     * where the catalog's transactions spent theirs (docs/benchmarks.md, "Small files and metadata", reads them).
     */
    private static void logOperationStats(PactFuse fuse, OpenRepo r) {
        try {
            String ops = fuse.stats().table();
            if (!ops.isEmpty()) {
                org.slf4j.LoggerFactory.getLogger(QuietLogging.MOUNT_FIGURES).info(
                        "FUSE operations served by this mount (times in the daemon, from the call to the reply):\n{}\n{}",
                        ops, r.catalog.stats().table());
            }
        } catch (RuntimeException e) {
            log.warn("could not log the operation figures: {}", e.toString());
        }
    }

    /** One progress line on stderr (the journal under systemd; a detaching parent shows it on its terminal). */
    private static void progress(String what) {
        System.err.println(PROGRESS + what);
    }

    private static String seconds(long millis) {
        return (millis + 999) / 1000 + " s";
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
        // The recovery code goes to the child's stdin, never into its arguments (readable by every local user).
        cmd.addAll(ParsedArgs.of(spec.commandLine().getParseResult(), java.util.Set.of("-o", "--paper-key",
                "--paper-key-file")));
        if (!options.isEmpty()) {
            cmd.add("-o");
            cmd.add(String.join(",", options));
        }
        ProcessBuilder pb = new ProcessBuilder();
        String paperKey = null;
        if (keys.keyFile == null && keys.hasPaperKey()) {
            paperKey = keys.paperKeyCode();
            cmd.add("--paper-key=" + KeyOptions.STDIN);
        } else if (keys.keyFile == null && !keys.hasPassphraseSource()) {
            char[] p = keys.passphraseOrNull("passphrase for " + repo + ": ");
            if (p != null) {
                pb.environment().put(KeyOptions.PASSPHRASE_ENV, new String(p));
            }
        }
        pb.command(cmd).redirectInput(paperKey != null ? ProcessBuilder.Redirect.PIPE
                : ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        DaemonOutput out;
        if (JournalStream.isStderr()) {
            // Under systemd (a mount unit): the daemon logs to the journal like any service, not to a file that grows.
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
            out = DaemonOutput.journal();
        } else {
            Path logFile = repo.resolve(LOG_FILE);
            if (!Files.exists(logFile)) {
                PrivateFiles.createFile(logFile); // appendTo below would create it through the umask (0644)
            }
            out = DaemonOutput.file(logFile);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).redirectErrorStream(true);
        }
        Process child = pb.start();
        if (paperKey != null) {
            try (var in = child.getOutputStream()) {
                in.write((paperKey + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        java.io.PrintWriter err = spec.commandLine().getErr();
        // Ctrl-C while the daemon starts: stop it, so that no mount appears after the user was told it did not.
        AtomicBoolean settled = new AtomicBoolean();
        Thread hook = new Thread(() -> abandon(child, settled), "pactfs-mount-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DETACH_TIMEOUT_SECONDS);
            while (System.nanoTime() < deadline) {
                if (isMounted(mountPoint) && settled.compareAndSet(false, true)) {
                    out.showProgress(err);
                    return 0;
                }
                if (!child.isAlive()) {
                    childReported = notifyCommand != null; // the child sent mount_failed before it exited
                    if (!settled.compareAndSet(false, true)) {
                        hook.join(); // the hook stopped it and reports that alone; it halts the JVM
                    }
                    out.showProgress(err);
                    throw new UserError(out.failure(child.exitValue()));
                }
                out.showProgress(err);
                Thread.sleep(50);
            }
            child.destroy();
            throw new UserError("the mount did not appear within " + DETACH_TIMEOUT_SECONDS + " s; see " + out.where());
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
