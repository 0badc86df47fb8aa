package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Every command of {@link Main} (found through picocli's model, see {@link MistakeSweep}) given an ordinary mistake
 * with its repo or key: no --repo, a regular file, a directory that is no repo, a missing, wrong-type or unreadable
 * key or passphrase file, a wrong passphrase. Each must end in exactly one line on stderr and a non-zero exit that
 * is not "bug" (3), with no Java trace; only --verbose shows the trace.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UserMistakesTest {

    static final String PASSPHRASE = "the right passphrase";

    @TempDir
    static Path tmp;

    static MistakeSweep.Fixture fx;

    @BeforeAll
    static void repoWithBothKeys() throws Exception {
        Path repo = tmp.resolve("repo");
        Path key = tmp.resolve("repo.key");
        Path pass = tmp.resolve("pass.txt");
        Files.writeString(pass, PASSPHRASE + "\n");
        Path partner = Files.createDirectory(tmp.resolve("partner"));
        CliRun.Result init = CliRun.run("init", "--repo", repo.toString(), "--key-file", key.toString(),
                "--passphrase-file", pass.toString(), "--partner", partner.toString());
        assertEquals(0, init.exit(), init.toString());
        fx = MistakeSweep.Fixture.around(tmp, repo, key, pass);
    }

    @Test
    void theSweepReachesEveryCommand() {
        List<String> names = MistakeSweep.leaves().stream().map(MistakeSweep.Leaf::name).toList();
        for (String expected : List.of("init", "check", "put", "get", "mount", "umount", "snapshot create",
                "snapshot list", "key passwd", "key export", "restore", "recover", "scrub-hosted", "migrate")) {
            assertTrue(names.contains(expected), expected + " missing from " + names);
        }
        assertTrue(names.stream().noneMatch(n -> n.equals("help") || n.equals("snapshot") || n.equals("unmount")), names.toString());
    }

    @Test
    void everyMistakeIsOneLine() throws Exception {
        List<MistakeSweep.Case> cases = new ArrayList<>();
        for (MistakeSweep.Leaf leaf : MistakeSweep.leaves()) {
            cases.addAll(MistakeSweep.cases(leaf, fx));
        }
        assertTrue(cases.size() > 100, "only " + cases.size() + " cases");
        List<String> failures = MistakeSweep.run(cases);
        assertEquals("", String.join("\n", failures), failures.size() + " of " + cases.size() + " cases fail");
    }

    /** Root reads anything: the unreadable cases run in a JVM started as nobody, over files nobody may not read. */
    @Test
    void unreadableFilesAreOneLineToo() throws Exception {
        Path base = Files.createDirectory(tmp.resolve("for-nobody"));
        Path repo = base.resolve("repo");
        copyTree(fx.repo(), repo);
        Path key = Files.copy(fx.keyFile(), base.resolve("repo.key"));
        Path pass = Files.copy(fx.passFile(), base.resolve("pass.txt"));
        Path lockedDir = Files.createDirectory(base.resolve("locked-dir"));
        Path lockedFile = Files.writeString(base.resolve("locked-file"), PASSPHRASE + "\n");
        MistakeSweep.Fixture.around(base, repo, key, pass);
        for (Path p : List.of(tmp, base)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        try (var s = Files.walk(repo)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(lockedDir, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(lockedFile, PosixFilePermissions.fromString("---------"));

        List<String> cmd = new ArrayList<>();
        boolean root = "root".equals(System.getProperty("user.name"));
        if (root) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("-cp", readableClassPath(base), MistakeSweep.class.getName(), base.toString(), repo.toString(),
                key.toString(), pass.toString(), lockedDir.toString(), lockedFile.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = MistakeSweep.utf8(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the sweep as nobody did not end");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.matches("(?s)\\d\\d+ cases.*"), "too few unreadable cases ran: " + out);
    }

    @Test
    void verboseShowsTheTrace() throws Exception {
        CliRun.Result quiet = CliRun.run("check", "--repo", fx.regularFile().toString());
        assertEquals(1, quiet.exit(), quiet.toString());
        PrintStream saved = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = root.getLevel();
        CliRun.Result verbose;
        try {
            System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
            verbose = CliRun.run("--verbose", "check", "--repo", fx.regularFile().toString());
        } finally {
            System.setErr(saved);
            root.setLevel(level);
            ((Logger) LoggerFactory.getLogger("h2database")).setLevel(Level.ERROR);
        }
        assertEquals(quiet.exit(), verbose.exit());
        assertEquals(quiet.err(), verbose.err(), "the same one line");
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("\tat "), "--verbose logs the trace: " + log);
    }

    /** The test JVM's class path copied where nobody may read it (the Maven repository under /root is closed). */
    private static String readableClassPath(Path base) throws Exception {
        Path lib = Files.createDirectory(base.resolve("lib"));
        List<String> parts = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path src = Path.of(entry);
            if (!Files.exists(src)) {
                continue;
            }
            Path dst = lib.resolve(i++ + "-" + src.getFileName());
            copyTree(src, dst);
            parts.add(dst.toString());
        }
        try (var s = Files.walk(lib)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    private static void copyTree(Path src, Path dst) throws Exception {
        try (var s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
    }
}
