package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.files.PrivateFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A recovery code given to `pactfs mount` reaches the detached daemon on its stdin, never on its command line,
 * which every local user can read in /proc/PID/cmdline for as long as the daemon runs.
 */
@Tag("mount")
class PaperKeyMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theDaemonGetsTheRecoveryCodeOnStdinNotOnItsCommandLine() throws Exception {
        fx.init();
        String code = fx.pactfs(Duration.ofMinutes(1), "key", "export", "--paper", "--repo", fx.repo().toString())
                .ok().out().strip();
        Path paper = fx.base().resolve("paper.txt");
        PrivateFiles.writeNew(paper, code + "\n");

        // A wrong code fails the mount: the daemon really opens the repo with what it read on stdin.
        Path wrong = fx.base().resolve("wrong.txt");
        char[] c = code.toCharArray();
        c[0] = c[0] == 'A' ? 'B' : 'A';
        PrivateFiles.writeNew(wrong, new String(c) + "\n");
        AssertionError e = assertThrows(AssertionError.class, () -> fx.mount("--paper-key-file", wrong.toString()));
        assertTrue(e.getMessage().contains("recovery code") || e.getMessage().contains("wrong"), e.getMessage());

        fx.mount("--paper-key-file", paper.toString());
        long pid = fx.daemonPid().orElseThrow();
        String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                StandardCharsets.UTF_8).replace('\0', ' ');
        assertFalse(cmdline.contains(code) || cmdline.contains(code.replace("-", "")), cmdline);
        assertTrue(cmdline.contains("--paper-key=- "), cmdline);
        fx.inMount("echo written > f && cat f").ok();
        // A command the daemon runs for the client never uses the code, but it was on a command line all the same.
        Sh.Result check = fx.pactfs(Duration.ofMinutes(1), "check", "--repo", fx.repo().toString(), "--paper-key", code).ok();
        assertTrue(check.err().startsWith("pactfs: warning: a recovery code on the command line is visible"), check.toString());
        fx.unmount();
    }
}
