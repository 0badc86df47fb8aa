package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** --notify-command on the commands cron runs without a mount: replicate and audit, with a real script. */
@Timeout(180)
class NotifyCliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    String repo;
    String key;
    Path partner;
    Path script;
    Path events;

    @BeforeEach
    void repoWithPartnerAndScript() throws Exception {
        repo = tmp.resolve("repo").toString();
        key = tmp.resolve("k.key").toString();
        partner = Files.createDirectories(tmp.resolve("partner"));
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key, "--partner", partner.toString()).exit());
        Path data = Files.write(tmp.resolve("db.sql"), "insert into t values (42);\n".repeat(40_000).getBytes());
        assertEquals(0, CliRun.run("put", "--repo", repo, "--key-file", key, data.toString(), "db.sql").exit());
        assertEquals(0, CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "n1").exit());
        events = tmp.resolve("events.jsonl");
        script = tmp.resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\ncat >> '" + events + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    List<JsonNode> events() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(events)) {
            for (String line : Files.readAllLines(events)) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    Path copy() throws Exception {
        try (Stream<Path> l = Files.list(partner)) {
            return l.findFirst().orElseThrow();
        }
    }

    @Test
    void replicateToAMissingPartnerNotifiesOnce() throws Exception {
        Files.move(copy(), tmp.resolve("away"));
        CliRun.Result rep = CliRun.run("replicate", "--repo", repo, "--key-file", key, "--once",
                "--notify-command", script.toString());
        assertEquals(1, rep.exit(), rep.toString());
        List<JsonNode> ev = events();
        assertEquals(1, ev.size(), ev.toString());
        assertEquals("partner_unreachable", ev.get(0).get("event").asText());
        assertEquals("pactfs.event/1", ev.get(0).get("schema").asText());
        assertTrue(ev.get(0).get("message").asText().contains("missing"), ev.toString());
        assertEquals(Path.of(repo).toAbsolutePath().toString(), ev.get(0).get("repo").asText());
    }

    @Test
    void auditOfADamagedCopyNotifies() throws Exception {
        assertEquals(0, CliRun.run("replicate", "--repo", repo, "--key-file", key, "--once").exit());
        CliRun.Result clean = CliRun.run("audit", "--repo", repo, "--key-file", key, "--sample", "100",
                "--notify-command", script.toString());
        assertEquals(0, clean.exit(), clean.toString());
        assertEquals(List.of(), events(), "a clean audit tells nobody");
        Path pack;
        try (Stream<Path> s = Files.walk(copy().resolve("packs"))) {
            pack = s.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        b[b.length / 2] ^= 1;
        Files.write(pack, b);
        CliRun.Result audit = CliRun.run("audit", "--repo", repo, "--key-file", key, "--sample", "100",
                "--notify-command", script.toString());
        assertEquals(1, audit.exit(), audit.toString());
        List<JsonNode> ev = events();
        assertEquals(1, ev.size(), ev.toString());
        assertEquals("partner_check_failed", ev.get(0).get("event").asText());
        assertTrue(ev.get(0).get("message").asText().contains(pack.getFileName().toString()), ev.toString());
    }

    @Test
    void aNotifyCommandThatIsNotExecutableIsRefusedInOneLine() throws Exception {
        Path plain = Files.writeString(tmp.resolve("not-exec.sh"), "#!/bin/sh\n");
        CliRun.Result rep = CliRun.run("replicate", "--repo", repo, "--key-file", key, "--once",
                "--notify-command", plain.toString());
        assertEquals(1, rep.exit(), rep.toString());
        assertEquals("pactfs: --notify-command " + plain + " is not an executable file", rep.err().strip());
    }
}
