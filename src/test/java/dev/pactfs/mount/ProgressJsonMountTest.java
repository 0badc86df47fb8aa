package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Progress of long commands as JSON lines on stderr with --json: a restore the mount daemon runs for the client
 * (its lines reach the client's stderr) and a check --read-data run without a mount; and without --json, on a
 * stderr that is not a terminal, no progress at all, while on a terminal the client draws the bar of the restore
 * the daemon runs.
 */
@Tag("mount")
class ProgressJsonMountTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration T = Duration.ofMinutes(3);

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    /** The progress lines of {@code err}, each parsed; every other line must not look like progress. */
    private static List<JsonNode> progress(String err, String task) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : err.lines().toList()) {
            if (l.startsWith("{")) {
                JsonNode n = JSON.readTree(l);
                assertEquals("progress", n.get("type").asText(), l);
                assertEquals(task, n.get("task").asText(), l);
                out.add(n);
            }
        }
        return out;
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void restoreThroughTheDaemonAndCheckWithoutItStreamProgressLinesOnlyWithJson() throws Exception {
        fx.init();
        fx.mount();
        long size = 24L << 20;
        String repo = fx.repo().toString();
        try {
            fx.inMount("head -c " + size + " /dev/urandom > big.bin").ok();
            fx.pactfs(T, "snapshot", "create", "--repo", repo, "--name", "s1").ok();

            Sh.Result withJson = fx.pactfs(T, "restore", "--repo", repo, "s1", fx.base().resolve("r1").toString(), "--json").ok();
            List<JsonNode> lines = progress(withJson.err(), "restore");
            assertFalse(lines.isEmpty(), withJson.toString());
            JsonNode last = lines.get(lines.size() - 1);
            assertTrue(last.get("finished").asBoolean(), last.toString());
            assertEquals(size, last.get("done_bytes").asLong(), last.toString());
            assertEquals(size, last.get("total_bytes").asLong(), last.toString());
            assertEquals(100.0, last.get("percent").asDouble(), last.toString());
            assertEquals(size, JSON.readTree(withJson.out()).get("bytes").asLong());

            Sh.Result quiet = fx.pactfs(T, "restore", "--repo", repo, "s1", fx.base().resolve("r2").toString()).ok();
            assertEquals("", quiet.err(), "no progress without --json on a non-terminal stderr");
            assertEquals(Files.size(fx.base().resolve("r1/big.bin")), Files.size(fx.base().resolve("r2/big.bin")));

            // On a terminal (script(1)): the daemon sends progress events, the client draws the bar.
            Sh.Result bar = Sh.run(null, MountFixture.env(), T, List.of("script", "-qec", "'" + MountFixture.launcher()
                    + "' restore --repo '" + repo + "' s1 '" + fx.base().resolve("r3") + "'", "/dev/null"));
            assertEquals(0, bar.exit(), bar.toString());
            assertTrue(bar.out().contains("restore 100%"), bar.toString());
            assertEquals(size, Files.size(fx.base().resolve("r3/big.bin")));
        } finally {
            fx.unmount();
        }

        Sh.Result check = fx.pactfs(T, "check", "--repo", repo, "--read-data", "--json").ok();
        List<JsonNode> lines = progress(check.err(), "check --read-data");
        assertFalse(lines.isEmpty(), check.toString());
        JsonNode last = lines.get(lines.size() - 1);
        assertTrue(last.get("finished").asBoolean());
        assertEquals(last.get("total_bytes").asLong(), last.get("done_bytes").asLong(), last.toString());
        assertEquals(JSON.readTree(check.out()).get("bytes_verified").asLong(), last.get("done_bytes").asLong());
        Sh.Result quietCheck = fx.pactfs(T, "check", "--repo", repo, "--read-data").ok();
        assertEquals("", quietCheck.err(), quietCheck.toString());
    }
}
