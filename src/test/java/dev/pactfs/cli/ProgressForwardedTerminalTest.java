package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore forwarded to a daemon (a control server in this JVM, the one the mount daemon runs) shows its bar on
 * the client's terminal: the daemon, which has no terminal, sends progress events and the client draws them; a
 * client on a pipe shows nothing.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProgressForwardedTerminalTest {

    @TempDir
    Path tmp;

    @Test
    void aRestoreInTheDaemonIsDrawnByTheClient() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();
        try (ControlServer daemon = ControlServer.start(Path.of(c.repo))) {
            Sh.Result r = ProgressTerminalCommandsTest.atTerminal(c, "restore", "s2", tmp.resolve("r1").toString());
            assertEquals(1, daemon.served(), "the daemon ran it");
            ProgressTerminalCommandsTest.assertBar("restore", r);
            assertTrue(java.util.Arrays.equals(c.one, Files.readAllBytes(tmp.resolve("r1/one.bin"))));

            Sh.Result piped = c.pactfs("restore", "--repo", c.repo, "--key-file", c.key, "s2",
                    tmp.resolve("r2").toString()).ok();
            assertFalse(piped.err().contains("%") || piped.out().contains("%"), piped.toString());
            assertTrue(Files.exists(tmp.resolve("r2/one.bin")));
            assertEquals(2, daemon.served());
        }
    }
}
