package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * prune, gc, replicate, audit and export-tar report progress as JSON lines on stderr with --json (each line one
 * object, parsed here, the last one finished with all bytes through), and print nothing of it without --json when
 * there is no terminal (this JVM has none). ProgressTerminalCommandsTest covers the bar.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ProgressJsonCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void jsonLinesWhenAskedAndSilenceOtherwise() throws Exception {
        JsonCli c = ProgressRepo.create(tmp);
        assertProgressLines("prune", run(c, "prune", "--json"));
        ProgressRepo.garbage(c, "junk2");
        assertProgressLines("gc", run(c, "gc", "--json"));
        assertProgressLines("replicate", run(c, "replicate", "--once", "--json"));
        assertProgressLines("audit", run(c, "audit", "--sample", "100", "--json"));
        CliRun.Result tar = run(c, "export-tar", "--json", "s2", tmp.resolve("s2.tar").toString());
        assertProgressLines("export-tar", tar);
        JsonNode summary = JSON.readTree(tar.out());
        assertEquals(300_012, summary.get("bytes").asLong(), tar.out());

        ProgressRepo.garbage(c, "junk3");
        for (String[] cmd : List.of(new String[] {"gc"}, new String[] {"replicate", "--once"},
                new String[] {"audit", "--sample", "100"}, new String[] {"export-tar", "s1", tmp.resolve("s1.tar").toString()})) {
            CliRun.Result r = run(c, cmd);
            assertFalse(r.err().contains("progress") || r.err().contains("%"), "silent without a terminal: " + r);
        }
    }

    private static CliRun.Result run(JsonCli c, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        argv.addAll(1, List.of("--repo", c.repo, "--key-file", c.key));
        CliRun.Result r = CliRun.run(argv.toArray(String[]::new));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    /** stderr is JSON progress lines of {@code task} only: at least the first and the last, which is complete. */
    private static void assertProgressLines(String task, CliRun.Result r) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String l : r.err().split("\n")) {
            if (!l.isEmpty()) {
                lines.add(JSON.readTree(l));
            }
        }
        assertTrue(lines.size() >= 2, task + ": " + r);
        for (JsonNode l : lines) {
            assertEquals("progress", l.get("type").asText(), l.toString());
            assertEquals(task, l.get("task").asText(), l.toString());
        }
        JsonNode last = lines.get(lines.size() - 1);
        assertTrue(last.get("finished").asBoolean(), last.toString());
        assertTrue(last.get("total_bytes").asLong() > 0, task + " had work to show: " + last);
        assertEquals(last.get("total_bytes").asLong(), last.get("done_bytes").asLong(), last.toString());
        assertEquals(100.0, last.get("percent").asDouble(), last.toString());
        assertFalse(lines.get(0).get("finished").asBoolean(), lines.get(0).toString());
    }
}
