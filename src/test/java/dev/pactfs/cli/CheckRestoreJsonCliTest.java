package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `check --json` and `restore --json` through the launcher, and a failure with `--json`: nothing on stdout, one
 * line on stderr, exit 1.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CheckRestoreJsonCliTest {

    @TempDir
    Path tmp;

    @Test
    void checkAndRestorePrintOneDocumentWithTheirFigures() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();

        JsonNode check = c.json("check", "--repo", c.repo, "--key-file", c.key, "--read-data", "--json");
        assertTrue(check.get("ok").asBoolean(), check.toString());
        assertTrue(check.get("chunks").asLong() >= 2, check.toString());
        assertTrue(check.get("bytes_verified").asLong() > 0, check.toString());
        assertEquals(0, check.get("problems").size());

        Path target = tmp.resolve("restored");
        JsonNode restore = c.json("restore", "--repo", c.repo, "--key-file", c.key, "s2", target.toString(), "--json");
        assertEquals(2, restore.get("files").asLong(), restore.toString());
        assertEquals(c.one.length + 12, restore.get("bytes").asLong());
        assertEquals("s2", restore.get("snapshot").asText());
        assertTrue(java.util.Arrays.equals(c.one, Files.readAllBytes(target.resolve("one.bin"))));
    }

    @Test
    void aFailurePrintsNoDocumentAndOneLine() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.init();
        Sh.Result missing = c.pactfs("check", "--repo", tmp.resolve("nope").toString(), "--key-file", c.key, "--json");
        assertEquals(1, missing.exit(), missing.toString());
        assertEquals("", missing.out());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }
}
