package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bar on a terminal for prune, gc, replicate, audit and export-tar, through the launcher under script(1) (a
 * pseudo-terminal), as ProgressTerminalCliTest does for restore and check (ProgressForwardedTerminalTest: a
 * command the daemon runs).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ProgressTerminalCommandsTest {

    private static final Duration T = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    /** The command through the launcher with a terminal for stdin, stdout and stderr; what the terminal showed. */
    static Sh.Result atTerminal(JsonCli c, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(1, List.of("--repo", c.repo, "--key-file", c.key));
        StringBuilder cmd = new StringBuilder("'" + MountFixture.launcher() + "'");
        for (String a : argv) {
            cmd.append(" '").append(a).append("'");
        }
        Sh.Result r = Sh.run(null, Map.of(), T, List.of("script", "-qec", cmd.toString(), "/dev/null"));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    @Test
    void aBarForEveryLongCommand() throws Exception {
        JsonCli c = ProgressRepo.create(tmp);
        assertBar("prune", atTerminal(c, "prune"));
        ProgressRepo.garbage(c, "junk2");
        assertBar("gc", atTerminal(c, "gc"));
        assertBar("replicate", atTerminal(c, "replicate", "--once"));
        assertBar("audit", atTerminal(c, "audit", "--sample", "100"));
        assertBar("export-tar", atTerminal(c, "export-tar", "s2", tmp.resolve("s2.tar").toString()));
    }

    static void assertBar(String task, Sh.Result r) {
        assertTrue(r.out().contains(task + " 100%"), task + ": " + r);
    }
}
