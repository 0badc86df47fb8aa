package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** status you cannot misread: its JSON parsed by Jackson, field by field, and the text it shows a person. */
@Timeout(180)
class StatusCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    String repo;
    String key;

    JsonNode status() throws Exception {
        CliRun.Result st = CliRun.run("status", "--repo", repo, "--key-file", key, "--json");
        assertEquals(0, st.exit(), st.toString());
        assertEquals(1, st.out().strip().lines().count(), "one line of JSON: " + st.out());
        return JSON.readTree(st.out());
    }

    String text() {
        CliRun.Result st = CliRun.run("status", "--repo", repo, "--key-file", key);
        assertEquals(0, st.exit(), st.toString());
        return st.out();
    }

    @Test
    void statusSeparatesTakenFromSafeAndShowsALostPartnerAtOnce() throws Exception {
        repo = tmp.resolve("repo").toString();
        key = tmp.resolve("k.key").toString();
        Path partner = Files.createDirectories(tmp.resolve("partner"));
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key, "--partner", partner.toString()).exit());
        Path data = Files.write(tmp.resolve("db.sql"), "select 1;\n".repeat(20_000).getBytes());
        assertEquals(0, CliRun.run("put", "--repo", repo, "--key-file", key, data.toString(), "db.sql").exit());
        // A name that hand-built JSON got wrong: a quote and a backslash (control characters are refused in names).
        String odd = "night \"1\"\\ \u00e9";
        CliRun.Result snap = CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", odd);
        assertEquals(0, snap.exit(), snap.toString());

        JsonNode s = status();
        assertEquals(StatusCommand.SCHEMA, s.get("schema").asText());
        assertEquals("pactfs.status/1", s.get("schema").asText());
        assertFalse(s.get("mounted").asBoolean());
        assertTrue(s.get("mountpoint").isNull());
        assertEquals("reachable", s.get("partner").asText());
        assertTrue(s.get("partner_error").isNull());
        assertEquals(odd, s.get("last_snapshot_taken").asText());
        assertTrue(s.get("last_snapshot_taken_ms").asLong() > 0);
        assertTrue(s.get("last_snapshot_safe").isNull(), "nothing replicated yet: " + s);
        assertTrue(s.get("pending_bytes").asLong() > 0);
        assertTrue(s.get("oldest_pending_ms").asLong() > 0);
        assertEquals(odd, s.get("snapshots").get(0).get("name").asText());
        String t = text();
        assertTrue(t.contains("mounted:        no"), t);
        assertTrue(t.contains("last snapshot taken:           night"), t);
        assertTrue(t.contains("last snapshot safe at partner: none yet"), t);

        CliRun.Result rep = CliRun.run("replicate", "--repo", repo, "--key-file", key, "--once");
        assertEquals(0, rep.exit(), rep.toString());
        s = status();
        assertEquals(odd, s.get("last_snapshot_safe").asText());
        assertEquals(s.get("last_snapshot_taken_ms").asLong(), s.get("last_snapshot_safe_ms").asLong());
        assertEquals(0, s.get("pending_bytes").asLong());
        assertEquals(0, s.get("oldest_pending_ms").asLong());
        assertTrue(s.get("last_error").isNull());
        assertTrue(s.get("partner_free_bytes").asLong() > 0);

        // The partner's share goes away (an unmounted NFS mountpoint is an empty directory): status says so on
        // the very next call, with no pass in between, and promises no ETA.
        Path copy;
        try (Stream<Path> l = Files.list(partner)) {
            copy = l.findFirst().orElseThrow();
        }
        Files.move(copy, tmp.resolve("gone"));
        assertEquals(0, CliRun.run("put", "--repo", repo, "--key-file", key, data.toString(), "db2.sql").exit());
        Files.write(tmp.resolve("more"), "more\n".repeat(30_000).getBytes());
        assertEquals(0, CliRun.run("put", "--repo", repo, "--key-file", key, tmp.resolve("more").toString(),
                "more").exit());
        s = status();
        assertEquals("unreachable", s.get("partner").asText());
        assertTrue(s.get("partner_error").asText().contains("missing"), s.toString());
        assertEquals(-1, s.get("eta_seconds").asLong(), s.toString());
        assertTrue(s.get("last_error").asText().contains("missing"), "not 'none' until the next pass: " + s);
        assertTrue(s.get("pending_bytes").asLong() > 0);
        t = text();
        assertTrue(t.contains("partner:        UNREACHABLE: partner copy not there"), t);
        assertTrue(t.contains("eta:            none while the partner is unreachable"), t);

        // Without asking the partner, home's records still answer.
        CliRun.Result off = CliRun.run("status", "--repo", repo, "--key-file", key, "--json", "--offline");
        assertEquals(0, off.exit(), off.toString());
        assertEquals(odd, JSON.readTree(off.out()).get("last_snapshot_safe").asText());
        assertEquals("unknown", JSON.readTree(off.out()).get("partner").asText(), "--offline asked nobody: " + off);
        CliRun.Result offText = CliRun.run("status", "--repo", repo, "--key-file", key, "--offline");
        assertTrue(offText.out().contains("partner:        not asked (--offline)"), offText.toString());
    }

    @Test
    void snapshotListJsonParsesWithAnyName() throws Exception {
        repo = tmp.resolve("repo").toString();
        key = tmp.resolve("k.key").toString();
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key).exit());
        Path data = Files.write(tmp.resolve("f"), "x\n".getBytes());
        assertEquals(0, CliRun.run("put", "--repo", repo, "--key-file", key, data.toString(), "f").exit());
        // Names and tags refuse control characters (SnapshotNamesTest, decision 0008); quotes and backslashes
        // still reach the JSON.
        String odd = "a\"b\\c";
        CliRun.Result bad = CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", odd,
                "--tag", "t\"ag\t\u0001");
        assertEquals(1, bad.exit(), bad.toString());
        CliRun.Result c = CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", odd,
                "--tag", "t\"ag\\");
        assertEquals(0, c.exit(), c.toString());
        CliRun.Result list = CliRun.run("snapshot", "list", "--repo", repo, "--key-file", key, "--json");
        assertEquals(0, list.exit(), list.toString());
        JsonNode arr = JSON.readTree(list.out());
        assertEquals(1, arr.size());
        assertEquals(odd, arr.get(0).get("name").asText());
        assertEquals("t\"ag\\", arr.get(0).get("tag").asText());
        assertTrue(arr.get(0).get("figures_recorded").asBoolean());
        assertTrue(arr.get(0).get("parent").isNull());
    }
}
