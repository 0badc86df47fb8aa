package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.json;
import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stats} (repo and one snapshot, text and --json) and the SIZE and FILES columns of {@code snapshot list}:
 * a second snapshot holding the same file twice more adds its logical bytes but stores almost nothing, and the
 * repo's dedup saving is what it did not store.
 */
@Timeout(120)
class StatsCliTest {

    @TempDir
    Path tmp;

    @Test
    void statsShowLogicalBytesFilesAndWhatDedupSaved() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        pactfs("init", "--repo", repo, "--key-file", key).ok();
        Path data = TestData.randomFile(tmp.resolve("data.bin"), 1_000_000, 3);
        pactfs("put", "--repo", repo, "--key-file", key, data.toString(), "a.bin").ok();
        Sh.Result first = pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s1").ok();
        assertTrue(first.out().startsWith("snapshot s1 created: 1 files, "), first.out());
        pactfs("put", "--repo", repo, "--key-file", key, data.toString(), "b.bin").ok();
        pactfs("put", "--repo", repo, "--key-file", key, data.toString(), "c.bin").ok();
        pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s2").ok();

        JsonNode s2 = json(pactfs("stats", "--repo", repo, "--key-file", key, "s2", "--json"));
        assertEquals(3_000_000, s2.get("logical_bytes").asLong());
        assertEquals(3, s2.get("files").asLong());
        assertTrue(s2.get("new_stored_bytes").asLong() < 20_000, s2.toString()); // two listings, no data

        JsonNode all = json(pactfs("stats", "--repo", repo, "--key-file", key, "--json"));
        assertEquals(2, all.get("snapshots").asLong());
        assertEquals(4_000_000, all.get("logical_bytes").asLong());
        assertEquals(4, all.get("files").asLong());
        assertTrue(all.get("figures_complete").asBoolean());
        long dedup = all.get("dedup_bytes_saved").asLong();
        assertTrue(dedup > 2_990_000 && dedup <= 3_000_000, all.toString());
        assertTrue(all.get("stored_bytes").asLong() > 1_000_000, all.toString()); // random bytes do not compress

        Sh.Result text = pactfs("stats", "--repo", repo, "--key-file", key, "s1").ok();
        assertTrue(text.out().contains("logical bytes:           976.6 KiB (1000000)\nfiles:                   1\n"),
                text.out());
        Sh.Result list = pactfs("snapshot", "list", "--repo", repo, "--key-file", key).ok();
        String[] lines = list.out().split("\n");
        assertTrue(lines[0].matches("NAME +TIME \\(UTC\\) +HOST +TAGS +SIZE +FILES ROOT"), lines[0]);
        assertTrue(lines[1].matches("s1 .* - +976\\.6 KiB +1 [0-9a-f]+"), lines[1]);
        assertTrue(lines[2].matches("s2 .* - +2\\.9 MiB +3 [0-9a-f]+"), lines[2]);
        Sh.Result missing = pactfs("stats", "--repo", repo, "--key-file", key, "nope");
        assertEquals(1, missing.exit());
        assertEquals("pactfs: no snapshot named 'nope'\n", missing.err());
    }
}
