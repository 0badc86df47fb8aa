package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
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
 * `--json` through the launcher, one command after the other on one repo (a machine key, so no Argon2 run): each
 * prints one JSON document on stdout whose fields carry the values the command really had, and a failure prints
 * nothing on stdout, one line on stderr, and exits non-zero.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JsonOutputCliTest {

    private static final Duration T = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Sh.Result pactfs(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(null, Map.of("PACTFS_PASSPHRASE", ""), T, argv);
    }

    private JsonNode json(String... args) throws Exception {
        Sh.Result r = pactfs(args).ok();
        return JSON.readTree(r.out());
    }

    @Test
    void everyReportingCommandPrintsOneDocumentWithItsFigures() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("m.key").toString();
        Path partner = Files.createDirectory(tmp.resolve("partner"));
        pactfs("init", "--repo", repo, "--partner", partner.toString(), "--key-file", key).ok();
        byte[] one = new byte[300_000];
        new java.util.Random(1).nextBytes(one);
        Files.write(tmp.resolve("one.bin"), one);
        Files.writeString(tmp.resolve("two.txt"), "second file\n");
        pactfs("put", "--repo", repo, "--key-file", key, tmp.resolve("one.bin").toString(), "one.bin").ok();

        JsonNode s1 = json("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s1", "--tag", "t", "--json");
        assertEquals("s1", s1.get("name").asText());
        assertEquals("t", s1.get("tag").asText());
        assertEquals(1, s1.get("files").asLong());
        assertEquals(64, s1.get("root").asText().length());

        pactfs("put", "--repo", repo, "--key-file", key, tmp.resolve("two.txt").toString(), "two.txt").ok();
        json("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "s2", "--json");
        JsonNode diff = json("snapshot", "diff", "--repo", repo, "--key-file", key, "s1", "s2", "--json");
        assertEquals("s1", diff.get("from").asText());
        assertEquals(1, diff.get("changes").size(), diff.toString());
        JsonNode added = diff.get("changes").get(0);
        assertEquals("added", added.get("kind").asText());
        assertTrue(added.get("path").asText().endsWith("two.txt"), added.toString());
        assertEquals(12, added.get("new_size").asLong());
        assertEquals(12, diff.get("bytes_added").asLong());

        JsonNode check = json("check", "--repo", repo, "--key-file", key, "--read-data", "--json");
        assertTrue(check.get("ok").asBoolean(), check.toString());
        assertTrue(check.get("chunks").asLong() >= 2, check.toString());
        assertTrue(check.get("bytes_verified").asLong() > 0, check.toString());
        assertEquals(0, check.get("problems").size());

        Path target = tmp.resolve("restored");
        JsonNode restore = json("restore", "--repo", repo, "--key-file", key, "s2", target.toString(), "--json");
        assertEquals(2, restore.get("files").asLong(), restore.toString());
        assertEquals(one.length + 12, restore.get("bytes").asLong());
        assertEquals("s2", restore.get("snapshot").asText());
        assertTrue(java.util.Arrays.equals(one, Files.readAllBytes(target.resolve("one.bin"))));

        JsonNode rep = json("replicate", "--repo", repo, "--key-file", key, "--once", "--json");
        assertTrue(rep.get("blobs").asLong() >= 2, rep.toString());
        assertEquals(2, rep.get("snapshot_records").asLong(), rep.toString());
        assertTrue(rep.get("partner_matched").asBoolean());

        JsonNode audit = json("audit", "--repo", repo, "--key-file", key, "--sample", "100", "--json");
        assertTrue(audit.get("ok").asBoolean(), audit.toString());
        assertTrue(audit.get("packs_checked").asLong() > 0, audit.toString());
        assertEquals(audit.get("packs_known").asLong(), audit.get("packs_checked").asLong());

        String recovered = tmp.resolve("recovered").toString();
        JsonNode rec = json("recover", "--partner", partner.toString(), "--repo", recovered, "--key-file", key, "--json");
        assertTrue(rec.get("complete").asBoolean(), rec.toString());
        assertEquals(2, rec.get("snapshots").asLong());
        assertEquals(rep.get("blobs").asLong() + 0, rec.get("blobs").asLong(), rec.toString());
        assertTrue(rec.get("bytes_read").asLong() > one.length / 2, rec.toString());

        // A failure: nothing on stdout, one line on stderr, exit 1.
        Sh.Result missing = pactfs("check", "--repo", tmp.resolve("nope").toString(), "--key-file", key, "--json");
        assertEquals(1, missing.exit(), missing.toString());
        assertEquals("", missing.out());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }
}
