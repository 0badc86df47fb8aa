package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.PaperKey;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a key reaches a command without being on its command line (a file, stdin, a command, a prompt),
 * the warning for the one that is, and init's twice-asked passphrase, on a scripted terminal and on a real one.
 */
@Timeout(180)
class KeySourcesCliTest {

    private static final String PASS = "a passphrase for the key-sources test";

    @TempDir
    Path tmp;

    private Path repo;
    private Path passFile;

    @BeforeEach
    void noPassphraseInTheEnvironment() {
        // The environment wins over a prompt; these tests are about the other sources.
        Assumptions.assumeTrue(System.getenv(KeyOptions.PASSPHRASE_ENV) == null, "PACTFS_PASSPHRASE is set");
    }

    private void initWithCommand() throws IOException {
        repo = tmp.resolve("repo");
        passFile = Files.writeString(tmp.resolve("pass"), PASS + "\n");
        // The machine key too, only for the test to know the recovery code (key export prints it on System.out).
        CliRun.Result init = CliRun.run("init", "--repo", repo.toString(), "--passphrase-command", "cat '" + passFile + "'",
                "--key-file", tmp.resolve("m.key").toString());
        assertEquals(0, init.exit(), init.toString());
    }

    private String paperCode() throws Exception {
        return PaperKey.encode(KeyFile.readMachineKey(tmp.resolve("m.key")));
    }

    @Test
    void passphraseFromACommandOpensTheRepoAndAFailingCommandIsOneLine() throws IOException {
        initWithCommand();
        assertTrue(Files.exists(repo.resolve(OpenRepo.WRAPPED_KEY)));
        CliRun.Result ok = CliRun.run("check", "--repo", repo.toString(), "--passphrase-command", "echo '" + PASS + "'");
        assertEquals(0, ok.exit(), ok.toString());
        CliRun.Result byFile = CliRun.run("check", "--repo", repo.toString(), "--passphrase-file", passFile.toString());
        assertEquals(0, byFile.exit(), byFile.toString());
        CliRun.Result failing = CliRun.run("check", "--repo", repo.toString(), "--passphrase-command", "exit 7");
        assertEquals(1, failing.exit(), failing.toString());
        assertEquals("pactfs: --passphrase-command failed (exit status 7): exit 7\n", failing.err());
        CliRun.Result wrong = CliRun.run("check", "--repo", repo.toString(), "--passphrase-command", "echo nope");
        assertEquals(1, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().startsWith("pactfs: wrong passphrase"), wrong.err());
    }

    @Test
    void paperKeyFromStdinOrAFileOpensTheRepoWithoutAWarning() throws Exception {
        initWithCommand();
        String code = paperCode();
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream((code + "\nmore input\n").getBytes(StandardCharsets.UTF_8)));
            CliRun.Result r = CliRun.run("check", "--repo", repo.toString(), "--paper-key", "-");
            assertEquals(0, r.exit(), r.toString());
            assertEquals("", r.err());
            System.setIn(new ByteArrayInputStream(new byte[0]));
            r = CliRun.run("check", "--repo", repo.toString(), "--paper-key", "-");
            assertEquals(1, r.exit(), r.toString());
            assertEquals("pactfs: --paper-key -: standard input held no recovery code\n", r.err());
        } finally {
            System.setIn(stdin);
        }
        Path paper = Files.writeString(tmp.resolve("paper.txt"), code + "\n");
        CliRun.Result r = CliRun.run("check", "--repo", repo.toString(), "--paper-key-file", paper.toString());
        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err());
        r = CliRun.run("check", "--repo", repo.toString(), "--paper-key-file", paper.toString(), "--paper-key", "-");
        assertEquals(1, r.exit(), r.toString());
        assertEquals("pactfs: give --paper-key or --paper-key-file, not both\n", r.err());
    }

    @Test
    void paperKeyOnTheCommandLineStillWorksButWarnsInOneLine() throws Exception {
        initWithCommand();
        String code = paperCode();
        CliRun.Result r = CliRun.run("check", "--repo", repo.toString(), "--paper-key", code);
        assertEquals(0, r.exit(), r.toString());
        assertEquals(KeyOptions.PAPER_KEY_ON_ARGV_WARNING + "\n", r.err());
        assertFalse(r.err().contains(code));
    }

    @Test
    void aRepoWithoutPassphraseKeyAsksForTheRecoveryCodeAtTheTerminal() throws Exception {
        repo = tmp.resolve("repo");
        Path key = tmp.resolve("m.key");
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", key.toString()).exit());
        String code = PaperKey.encode(KeyFile.readMachineKey(key));
        SecretInput.Terminal old = SecretInput.useTerminal(SecretInputTest.script(code));
        try {
            CliRun.Result r = CliRun.run("check", "--repo", repo.toString());
            assertEquals(0, r.exit(), r.toString());
        } finally {
            SecretInput.useTerminal(old);
        }
        CliRun.Result r = CliRun.run("check", "--repo", repo.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("pactfs: repo " + repo + " has no passphrase key"), r.err());
    }

    @Test
    void initAsksTwiceAndRefusesTwoDifferentPassphrases() throws IOException {
        repo = tmp.resolve("repo");
        SecretInput.Terminal old = SecretInput.useTerminal(SecretInputTest.script("first try", "first tyr"));
        try {
            CliRun.Result r = CliRun.run("init", "--repo", repo.toString());
            assertEquals(1, r.exit(), r.toString());
            assertEquals("pactfs: the two passphrases differ; no repo created\n", r.err());
            assertFalse(Files.exists(repo), "a refused init left a directory");
            SecretInput.useTerminal(SecretInputTest.script(PASS, PASS));
            r = CliRun.run("init", "--repo", repo.toString());
            assertEquals(0, r.exit(), r.toString());
        } finally {
            SecretInput.useTerminal(old);
        }
        passFile = Files.writeString(tmp.resolve("pass"), PASS + "\n");
        assertEquals(0, CliRun.run("check", "--repo", repo.toString(), "--passphrase-file", passFile.toString()).exit());
    }

    @Test
    void initWithoutATerminalOrAPassphraseSourceIsOneLine() {
        SecretInput.Terminal old = SecretInput.useTerminal(prompt -> null);
        try {
            CliRun.Result r = CliRun.run("init", "--repo", tmp.resolve("repo").toString());
            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.err().startsWith("pactfs: no passphrase: use --passphrase-file"), r.err());
            assertFalse(Files.exists(tmp.resolve("repo")));
        } finally {
            SecretInput.useTerminal(old);
        }
    }

    /**
     * The real thing: init in a pseudo-terminal (util-linux script), where System.console() exists. The answers
     * are typed after each prompt shows, and must not be echoed back.
     */
    @Test
    void initOnARealTerminalAsksTwiceWithoutEchoAndRefusesAMismatch() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no script(1) for a pseudo-terminal");
        Path mismatch = tmp.resolve("mismatch");
        Pty p = Pty.start(tmp, "init", "--repo", mismatch.toString());
        p.answer("new passphrase for the new repo: ", "typed-once");
        p.answer("repeat the passphrase: ", "typed-twice");
        String out = p.finish();
        assertEquals(1, p.exit, out);
        assertTrue(out.contains("pactfs: the two passphrases differ; no repo created"), out);
        assertFalse(out.contains("typed-once") || out.contains("typed-twice"), "echoed: " + out);
        assertFalse(Files.exists(mismatch));

        Path good = tmp.resolve("good");
        p = Pty.start(tmp, "init", "--repo", good.toString());
        p.answer("new passphrase for the new repo: ", "typed-same");
        p.answer("repeat the passphrase: ", "typed-same");
        out = p.finish();
        assertEquals(0, p.exit, out);
        assertFalse(out.contains("typed-same"), "echoed: " + out);
        Path pf = Files.writeString(tmp.resolve("pf"), "typed-same\n");
        assertEquals(0, CliRun.run("check", "--repo", good.toString(), "--passphrase-file", pf.toString()).exit());
    }

    /** pactfs in this JVM's class path, run under script(1) so that it has a terminal. */
    private static final class Pty {
        final Process process;
        final StringBuffer out = new StringBuffer();
        final Thread reader;
        /** Where in {@link #out} the next prompt is looked for: after the last one answered. */
        int seen;
        int exit;

        private Pty(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (InputStream in = process.getInputStream()) {
                    byte[] b = new byte[4096];
                    int n;
                    while ((n = in.read(b)) > 0) {
                        out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            }, "pty-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Pty start(Path dir, String... args) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> argv = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    "dev.pactfs.cli.Main"));
            argv.addAll(List.of(args));
            String cmd = argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "-qec", cmd, "/dev/null").directory(dir.toFile())
                    .redirectErrorStream(true);
            pb.environment().remove(KeyOptions.PASSPHRASE_ENV);
            return new Pty(pb.start());
        }

        /** Waits for {@code prompt} to show (after what was already answered), then types {@code line}. */
        void answer(String prompt, String line) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int at;
            while ((at = out.indexOf(prompt, seen)) < 0) {
                assertTrue(process.isAlive(), "ended before asking \"" + prompt + "\": " + out);
                assertTrue(System.nanoTime() < deadline, "no prompt \"" + prompt + "\" in: " + out);
                Thread.sleep(20);
            }
            seen = at + prompt.length();
            Thread.sleep(200); // the prompt is printed just before echo is switched off
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        String finish() throws Exception {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "pactfs under script did not end: " + out);
            reader.join(5000);
            exit = process.exitValue();
            return out.toString();
        }
    }
}
