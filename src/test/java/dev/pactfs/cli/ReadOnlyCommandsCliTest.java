package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands the daemon runs for a client take the kernel cache guard (which drops everything the kernel caches of
 * the mount) only when they may change the tree: a read-only command leaves the guard's count where it was, a
 * mutating one moves it. The guard here is the control server's hook, counted; the mount passes
 * PactFuse::outsideFuse there.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReadOnlyCommandsCliTest {

    @TempDir
    Path tmp;

    @Test
    void onlyMutatingCommandsTakeTheKernelCacheGuard() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();
        AtomicInteger guarded = new AtomicInteger();
        try (ControlServer server = ControlServer.start(Path.of(c.repo), change -> {
            guarded.incrementAndGet();
            change.run();
        })) {
            String out = forward("snapshot", "list", "--repo", c.repo, "--key-file", c.key);
            assertTrue(out.contains("s2"), out);
            forward("ls", "--repo", c.repo, "--key-file", c.key, "s2");
            forward("stats", "--repo", c.repo, "--key-file", c.key);
            forward("check", "--repo", c.repo, "--key-file", c.key);
            assertEquals(0, guarded.get(), "read-only commands must not invalidate the kernel's caches");

            forward("snapshot", "tag", "--repo", c.repo, "--key-file", c.key, "s1", "--add", "keep");
            assertEquals(1, guarded.get(), "a mutating command runs inside the guard");
        }
        assertTrue(ReadOnlyCommands.isReadOnly(java.util.List.of("check", "--repo", "r")));
        assertTrue(!ReadOnlyCommands.isReadOnly(java.util.List.of("check", "--repo", "r", "--read-trees", "--repair")));
        assertTrue(!ReadOnlyCommands.isReadOnly(java.util.List.of("snapshot", "rm", "s1")));
        assertTrue(!ReadOnlyCommands.isReadOnly(java.util.List.of("put", "--repo", "r", "a", "b")));
        assertTrue(!ReadOnlyCommands.isReadOnly(java.util.List.of("put", "--repo", "r", "a", "--", "-h")), "-h after -- is an operand");
        assertTrue(ReadOnlyCommands.isReadOnly(java.util.List.of("put", "-h")));
    }

    /** Forwards {@code args} to the control server, expects exit 0, returns stdout. */
    private static String forward(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Integer exit = ControlClient.tryForward(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertNotNull(exit, "forwarded");
        assertEquals(0, exit.intValue(), String.join(" ", args) + ": " + err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
