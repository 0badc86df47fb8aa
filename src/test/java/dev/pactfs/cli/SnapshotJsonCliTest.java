package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** `snapshot create --json` and `snapshot diff --json` through the launcher: the figures the snapshots really have. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SnapshotJsonCliTest {

    @TempDir
    Path tmp;

    @Test
    void createAndDiffPrintOneDocumentWithTheirFigures() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.init();
        c.put("one.bin");

        JsonNode s1 = c.json("snapshot", "create", "--repo", c.repo, "--key-file", c.key, "--name", "s1", "--tag", "t", "--json");
        assertEquals("s1", s1.get("name").asText());
        assertEquals("t", s1.get("tag").asText());
        assertEquals(1, s1.get("files").asLong());
        assertEquals(64, s1.get("root").asText().length());
        assertTrue(s1.get("new_blobs").asLong() >= 2, "the file's chunk and the root tree: " + s1);
        assertTrue(s1.get("new_stored_bytes").asLong() > 0, s1.toString());
        // Nothing changed: nothing new stored, although the snapshot names its whole tree again.
        JsonNode same = c.json("snapshot", "create", "--repo", c.repo, "--key-file", c.key, "--name", "s1-again", "--json");
        assertEquals(0, same.get("new_blobs").asLong(), same.toString());
        assertEquals(0, same.get("new_stored_bytes").asLong(), same.toString());

        c.put("two.txt");
        c.json("snapshot", "create", "--repo", c.repo, "--key-file", c.key, "--name", "s2", "--json");
        JsonNode diff = c.json("snapshot", "diff", "--repo", c.repo, "--key-file", c.key, "s1", "s2", "--json");
        assertEquals("s1", diff.get("from").asText());
        assertEquals(1, diff.get("changes").size(), diff.toString());
        JsonNode added = diff.get("changes").get(0);
        assertEquals("added", added.get("kind").asText());
        assertTrue(added.get("path").asText().endsWith("two.txt"), added.toString());
        assertEquals(12, added.get("new_size").asLong());
        assertEquals(12, diff.get("bytes_added").asLong());
    }
}
