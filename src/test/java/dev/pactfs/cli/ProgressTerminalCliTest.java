package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The progress bar appears only on a terminal: restore and check --read-data run through the launcher under
 * script(1), which gives them a pseudo-terminal, draw the library's bar with the task's name; the same commands on
 * a pipe print no progress (ProgressJsonMountTest covers the JSON lines).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProgressTerminalCliTest {

    private static final Duration T = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    /** The command through the launcher with a terminal for stdin, stdout and stderr; what the terminal showed. */
    private static Sh.Result atTerminal(String... args) {
        StringBuilder cmd = new StringBuilder("'" + MountFixture.launcher() + "'");
        for (String a : args) {
            cmd.append(" '").append(a).append("'");
        }
        return Sh.run(null, Map.of(), T, List.of("script", "-qec", cmd.toString(), "/dev/null"));
    }

    @Test
    void aBarOnATerminalAndNothingOnAPipe() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();

        Sh.Result restore = atTerminal("restore", "--repo", c.repo, "--key-file", c.key, "s2", tmp.resolve("r1").toString());
        assertEquals(0, restore.exit(), restore.toString());
        assertTrue(restore.out().contains("restore 100%"), restore.toString());
        assertTrue(java.util.Arrays.equals(c.one, Files.readAllBytes(tmp.resolve("r1/one.bin"))));

        Sh.Result check = atTerminal("check", "--repo", c.repo, "--key-file", c.key, "--read-data");
        assertEquals(0, check.exit(), check.toString());
        assertTrue(check.out().contains("check --read-data 100%"), check.toString());

        Sh.Result piped = c.pactfs("restore", "--repo", c.repo, "--key-file", c.key, "s2", tmp.resolve("r2").toString()).ok();
        assertFalse(piped.err().contains("%"), piped.toString());
        assertFalse(piped.out().contains("%"), piped.toString());
        Sh.Result pipedCheck = c.pactfs("check", "--repo", c.repo, "--key-file", c.key, "--read-data").ok();
        assertEquals("", pipedCheck.err(), pipedCheck.toString());
    }
}
