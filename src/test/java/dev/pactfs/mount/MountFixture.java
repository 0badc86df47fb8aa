package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real pactfs mount for one test, driven only through the launcher, as a user would:
 * <pre>
 *   PACTFS_PASSPHRASE=... mount-scripts/pactfs init  --repo BASE/repo
 *   PACTFS_PASSPHRASE=... mount-scripts/pactfs mount --repo BASE/repo BASE/mnt     (detaches)
 *   ... the test ...
 *   mount-scripts/pactfs umount BASE/mnt      (then fusermount -u -z as a last resort)
 * </pre>
 * plus BASE/plain, a plain directory on the same disk as /tmp, where the test runs the same commands to get
 * the expected result. After each test the mount is always removed and no mount may be left under BASE in
 * /proc/mounts.
 *
 * <p>Register with {@code @RegisterExtension final MountFixture fx = new MountFixture();}. The launcher is
 * {@code mount-scripts/pactfs} of this checkout, or {@code $PACTFS_LAUNCHER}.
 */
public final class MountFixture implements BeforeEachCallback, AfterEachCallback {

    public static final String PASSPHRASE = "correct horse battery staple (mount tests)";
    public static final Duration CMD_TIMEOUT = Duration.ofMinutes(5);
    static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(3); // includes a first build of the jar
    static final Duration UMOUNT_TIMEOUT = Duration.ofSeconds(90);

    /** A hook run after BASE is created and before init; returns the repo directory to use. */
    public interface RepoPlacement {
        Path place(MountFixture fx) throws Exception;
    }

    private final boolean autoMount;
    private final Map<String, String> daemonEnv = new HashMap<>();
    private RepoPlacement placement;
    private Path base;
    private Path repo;
    private Path mnt;
    private Path plain;
    private boolean mounted;
    private final Deque<Runnable> cleanups = new ArrayDeque<>();
    private final List<String> problems = new ArrayList<>();

    public MountFixture() {
        this(true);
    }

    private MountFixture(boolean autoMount) {
        this.autoMount = autoMount;
    }

    /** A fixture that creates BASE and the plain directory, but neither inits nor mounts. */
    /**
     * The lines of a command's stderr that say something went wrong or was done: a mount's progress lines ("pactfs
     * mount: opening ...", shown by a detaching mount as its daemon starts) left out.
     */
    public static List<String> withoutProgress(String err) {
        return err.lines().filter(l -> !l.isBlank()).filter(l -> !l.startsWith("pactfs mount: ")).toList();
    }

    public static MountFixture manual() {
        return new MountFixture(false);
    }

    /** Extra environment for "pactfs mount" (the daemon inherits it), e.g. LC_ALL=C as under systemd. */
    public MountFixture daemonEnv(String name, String value) {
        daemonEnv.put(name, value);
        return this;
    }

    /** Put the repo somewhere else (for example on a small tmpfs). */
    public MountFixture repoPlacement(RepoPlacement p) {
        this.placement = p;
        return this;
    }

    // ------------------------------------------------------------------ paths and environment

    public static Path projectRoot() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve("pom.xml")) && Files.isDirectory(q.resolve("mount-scripts"))) {
                return q;
            }
        }
        throw new IllegalStateException("no project root (pom.xml + mount-scripts/) above " + p);
    }

    public static Path launcher() {
        String env = System.getenv("PACTFS_LAUNCHER");
        return env != null && !env.isEmpty() ? Path.of(env) : projectRoot().resolve("mount-scripts/pactfs");
    }

    public static Map<String, String> env() {
        Map<String, String> e = new HashMap<>();
        e.put("PACTFS_PASSPHRASE", PASSPHRASE);
        return e;
    }

    public Path base() {
        return base;
    }

    public Path repo() {
        return repo;
    }

    public Path mnt() {
        return mnt;
    }

    public Path plain() {
        return plain;
    }

    /** Registers cleanup work run after the unmount (in reverse order of registration). */
    public void onCleanup(Runnable r) {
        cleanups.push(r);
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void beforeEach(ExtensionContext ctx) throws Exception {
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "no /dev/fuse: mount tests need FUSE");
        // TreeManifest walks trees with java.nio: file names must decode as UTF-8 in this JVM.
        assertEquals("UTF-8", System.getProperty("sun.jnu.encoding"),
                "the test JVM must run in a UTF-8 locale (e.g. LANG=C.UTF-8) to read non-ASCII file names");
        String name = ctx.getRequiredTestMethod().getName();
        base = Files.createTempDirectory(Path.of("/tmp"), "pactfs-mt-" + name + "-");
        mnt = Files.createDirectory(base.resolve("mnt"));
        plain = Files.createDirectory(base.resolve("plain"));
        if (placement != null) {
            repo = placement.place(this);
        } else {
            repo = base.resolve("repo");
        }
        if (autoMount) {
            init();
            mount();
        }
    }

    @Override
    public void afterEach(ExtensionContext ctx) {
        if (ctx.getExecutionException().isPresent() && repo != null) {
            // The repo (and its log) may live on a tmpfs the cleanup removes: show the log while it is there.
            System.err.println(daemonLog());
        }
        teardown();
    }

    /** The detached daemon's output (REPO/mount.log), for failure messages. */
    public String daemonLog() {
        Path log = repo.resolve("mount.log");
        try {
            return "--- daemon log " + log + " ---\n" + Sh.tail(Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "--- no daemon log: " + e + " ---";
        }
    }

    void teardown() {
        List<String> errs = new ArrayList<>(problems);
        problems.clear();
        if (base == null) {
            return;
        }
        try {
            if (isMounted(mnt)) {
                try {
                    Sh.Result r = Sh.run(null, env(), UMOUNT_TIMEOUT, List.of(launcher().toString(), "umount", mnt.toString()));
                    if (r.exit() != 0) {
                        errs.add("pactfs umount failed: " + r);
                    }
                } catch (AssertionError e) {
                    errs.add("pactfs umount: " + e.getMessage());
                }
                if (isMounted(mnt)) {
                    errs.add("still mounted after pactfs umount; detaching with fusermount -u -z");
                    forceDetach();
                }
            }
            waitForDaemonExit(Duration.ofSeconds(30)).ifPresent(pid -> {
                errs.add("daemon " + pid + " still running 30 s after the unmount; killed");
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            });
        } finally {
            while (!cleanups.isEmpty()) {
                try {
                    cleanups.pop().run();
                } catch (RuntimeException | AssertionError e) {
                    errs.add("cleanup: " + e);
                }
            }
            mounted = false;
        }
        List<String> left = mountsUnder(base);
        if (!left.isEmpty()) {
            for (String m : left) {
                Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("umount", "-l", m));
            }
            errs.add("mounts left under " + base + ": " + left);
        } else {
            Sh.run(null, Map.of(), Duration.ofMinutes(5), List.of("rm", "-rf", "--one-file-system", base.toString()));
        }
        assertEquals(List.of(), mountsUnder(base), "no mount may remain under " + base);
        if (!errs.isEmpty()) {
            throw new AssertionError("mount teardown: " + String.join("\n", errs));
        }
    }

    // ------------------------------------------------------------------ actions

    public Sh.Result pactfs(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(null, env(), timeout, argv);
    }

    public void init() {
        pactfs(MOUNT_TIMEOUT, "init", "--repo", repo.toString()).ok();
    }

    /** init with a partner directory {@code BASE/partner}; returns the copy directory made in it (pactfs-ID). */
    public Path initWithPartner() throws IOException {
        Path partner = Files.createDirectories(base.resolve("partner"));
        pactfs(MOUNT_TIMEOUT, "init", "--repo", repo.toString(), "--partner", partner.toString()).ok();
        try (Stream<Path> s = Files.list(partner)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pactfs-")).findFirst()
                    .orElseThrow(() -> new AssertionError("init made no pactfs-* copy in " + partner));
        }
    }

    public void mount() {
        mount(new String[0]);
    }

    /** pactfs mount with extra options (e.g. --partner-timeout 2s) before the mountpoint. */
    public void mount(String... options) {
        Map<String, String> e = env();
        e.putAll(daemonEnv);
        List<String> argv = new ArrayList<>(List.of(launcher().toString(), "mount", "--repo", repo.toString()));
        if (java.util.Arrays.stream(options).noneMatch(o -> o.startsWith("--warm-up"))) {
            // The warm-up (up to ~15 s of rehearsed backup) is for speed, not behaviour; one test keeps it.
            argv.add("--warm-up=0");
        }
        argv.addAll(List.of(options));
        argv.add(mnt.toString());
        Sh.Result r = Sh.run(null, e, MOUNT_TIMEOUT, argv);
        if (r.exit() != 0) {
            // The parent prints only the daemon's last "pactfs:" line; the whole story is in the daemon's log.
            throw new AssertionError("pactfs mount failed: " + r + "\n" + daemonLog());
        }
        // "pactfs mount" detaches once mounted: the mount must be there when it returns.
        assertTrue(isMounted(mnt), "pactfs mount returned but " + mnt + " is not in /proc/mounts");
        mounted = true;
        assertTrue(daemonPid().isPresent(), "no process holds /dev/fuse for " + mnt);
    }

    /** pactfs umount: must remove the mount, and the daemon must exit. */
    public void unmount() {
        pactfs(UMOUNT_TIMEOUT, "umount", mnt.toString()).ok();
        assertTrue(!isMounted(mnt), "still mounted after pactfs umount");
        mounted = false;
        Optional<Long> pid = waitForDaemonExit(Duration.ofSeconds(30));
        assertTrue(pid.isEmpty(), "daemon still running 30 s after pactfs umount: " + pid);
    }

    public void remount() {
        unmount();
        mount();
    }

    /** kill -9 the daemon, then detach the dead mount (fusermount -u -z), as an admin would. */
    public void kill9() {
        kill9LeavingTheMount();
        forceDetach();
    }

    /** kill -9 the daemon and leave its dead mount in place, as a crash does. */
    public void kill9LeavingTheMount() {
        long pid = daemonPid().orElseThrow(() -> new AssertionError("no daemon for " + mnt));
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("kill", "-KILL", Long.toString(pid))).ok();
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(30, TimeUnit.SECONDS).join());
        mounted = false;
    }

    void forceDetach() {
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("fusermount", "-u", "-z", mnt.toString()));
        if (isMounted(mnt)) {
            Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("umount", "-l", mnt.toString()));
        }
    }

    /** bash script run in the mount; $D is the directory. */
    public Sh.Result inMount(String script) {
        return in(mnt, script);
    }

    public Sh.Result inPlain(String script) {
        return in(plain, script);
    }

    public Sh.Result in(Path dir, String script) {
        Map<String, String> e = env();
        e.put("D", dir.toString());
        e.put("BASE", base.toString());
        return Sh.bash(dir, e, CMD_TIMEOUT, script);
    }

    /** Runs the same script in the plain directory and in the mount; both must succeed. */
    public void both(String script) {
        inPlain(script).ok();
        inMount(script).ok();
    }

    // ------------------------------------------------------------------ observation

    /** The FUSE daemon: the process holding /dev/fuse open whose command line names the mountpoint. */
    public Optional<Long> daemonPid() {
        String m = mnt.toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> cmdline(p).contains(m))
                    .filter(MountFixture::holdsDevFuse)
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Long> waitForDaemonExit(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        Optional<Long> pid = daemonPid();
        while (pid.isPresent() && System.nanoTime() < end) {
            sleep(200);
            pid = daemonPid();
        }
        return pid;
    }

    public OptionalLong daemonRssKiB() {
        return daemonPid().map(pid -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", pid.toString(), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return OptionalLong.of(Long.parseLong(line.replaceAll("\\D", "")));
                    }
                }
            } catch (IOException ignored) {
                // gone
            }
            return OptionalLong.empty();
        }).orElse(OptionalLong.empty());
    }

    private static String cmdline(Path proc) {
        try {
            return new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean holdsDevFuse(Path proc) {
        try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("/dev/fuse");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean isMounted(Path dir) {
        return mountPoints().contains(dir.toString());
    }

    /** The file system type /proc/mounts shows for dir, if mounted. */
    public static Optional<String> mountType(Path dir) {
        for (String[] f : procMounts()) {
            if (f[1].equals(dir.toString())) {
                return Optional.of(f[2]);
            }
        }
        return Optional.empty();
    }

    public static List<String> mountsUnder(Path dir) {
        List<String> out = new ArrayList<>();
        for (String m : mountPoints()) {
            if (m.equals(dir.toString()) || m.startsWith(dir + "/")) {
                out.add(m);
            }
        }
        return out;
    }

    static List<String> mountPoints() {
        List<String> out = new ArrayList<>();
        for (String[] f : procMounts()) {
            out.add(f[1]);
        }
        return out;
    }

    private static List<String[]> procMounts() {
        try {
            List<String[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                String[] f = line.split(" ");
                for (int i = 0; i < f.length; i++) {
                    f[i] = unoctal(f[i]);
                }
                out.add(f);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String unoctal(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\' && i + 3 < s.length() + 1 && i + 4 <= s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(s.charAt(i));
            }
        }
        return b.toString();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ comparison shortcuts

    /** Manifests of the plain directory and the mount, compared in the given fields (root entry excluded). */
    public void assertTreesSame(java.util.Set<TreeManifest.Field> fields) {
        TreeManifest.assertSame(TreeManifest.of(plain).without("."), TreeManifest.of(mnt).without("."), fields);
    }

    public void assertTreesSame() {
        assertTreesSame(TreeManifest.DEFAULT);
    }
}
