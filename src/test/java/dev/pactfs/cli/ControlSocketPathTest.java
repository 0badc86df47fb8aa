package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The control socket lives at {@code <repo>/control.sock} wherever the repo is: a path longer than sun_path
 * (107 bytes) made the daemon die with "Unix domain path too long" at mount (issue 3: a repo under a long
 * temporary directory), and a client could not reach it.
 */
class ControlSocketPathTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(ints = {0, 107, 108, 200})
    void aCommandReachesTheDaemonWhateverTheRepoPathLength(int length) throws Exception {
        Path repo = dirOfSocketPathLength(length);
        if (length > 0) {
            assertEquals(length, repo.resolve(ControlServer.SOCKET).toString().length());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Integer exit;
        try (ControlServer server = ControlServer.start(repo)) {
            assertTrue(Files.exists(repo.resolve(ControlServer.SOCKET)), "the socket is in the repo directory");
            exit = ControlClient.tryForward(new String[] {"check", "--repo", repo.toString(), "--help"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        }
        assertNotNull(exit, "the client must reach the daemon's socket; stderr: " + err);
        assertEquals(0, exit.intValue(), "stderr: " + err);
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: pactfs check"), "relayed output: " + out);
        assertFalse(Files.exists(repo.resolve(ControlServer.SOCKET)), "close removes the socket");
    }

    /** A directory whose {@code control.sock} path is {@code length} characters long (0: the temporary directory). */
    private Path dirOfSocketPathLength(int length) throws Exception {
        Path dir = tmp.toAbsolutePath();
        if (length == 0) {
            return dir;
        }
        int rest = length - dir.resolve(ControlServer.SOCKET).toString().length();
        while (rest > 60) {
            dir = dir.resolve("d".repeat(50));
            rest -= 51;
        }
        if (rest > 1) {
            dir = dir.resolve("e".repeat(rest - 1));
        }
        Files.createDirectories(dir);
        return dir;
    }
}
