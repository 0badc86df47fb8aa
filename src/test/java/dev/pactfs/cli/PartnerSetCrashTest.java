package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code partner set} crashes between its steps (a fault injected there): the repo never points at a partner whose
 * replication state the catalog has forgotten. Before the config names the new partner, the old partner keeps its
 * state (nothing pending, its last safe snapshot); after, the next open finishes the move (everything pending for
 * the new copy).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PartnerSetCrashTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @AfterEach
    void noFault() {
        PartnerCommand.Set.fault = step -> { };
    }

    @Test
    void aCrashBeforeTheConfigKeepsTheOldPartnersState() throws Exception {
        JsonCli c = replicated();
        crashAt("before-config", c, Files.createDirectory(tmp.resolve("next")));
        JsonNode s = status(c);
        assertEquals(c.partner.toString(), configuredPartner(c));
        assertEquals(0, s.get("pending_blobs").asLong(), "the old partner's state is kept: " + s);
        assertEquals("s2", s.get("last_snapshot_safe").asText(), s.toString());
    }

    @Test
    void aCrashAfterTheConfigIsFinishedByTheNextOpen() throws Exception {
        JsonCli c = replicated();
        crashAt("after-config", c, Files.createDirectory(tmp.resolve("next")));
        assertEquals(tmp.resolve("next").toString(), configuredPartner(c));
        JsonNode s = status(c);
        assertNotEquals(0, s.get("pending_blobs").asLong(), "the new copy starts from the full set: " + s);
        assertTrue(s.get("last_snapshot_safe").isNull(), s.toString());
        c.inProcess("replicate", "--repo", c.repo, "--key-file", c.key, "--once");
        assertEquals(0, status(c).get("pending_blobs").asLong());
    }

    private JsonCli replicated() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();
        c.inProcess("replicate", "--repo", c.repo, "--key-file", c.key, "--once");
        JsonNode s = status(c);
        assertEquals(0, s.get("pending_blobs").asLong(), s.toString());
        return c;
    }

    private static void crashAt(String step, JsonCli c, Path next) {
        PartnerCommand.Set.fault = at -> {
            if (at.equals(step)) {
                throw new IllegalStateException("injected crash at " + at);
            }
        };
        CliRun.Result r = CliRun.run("partner", "set", "--repo", c.repo, "--key-file", c.key, next.toString());
        assertNotEquals(0, r.exit(), r.toString());
        PartnerCommand.Set.fault = at -> { };
    }

    private static String configuredPartner(JsonCli c) throws Exception {
        return dev.pactfs.store.RepoConfig.readCurrent(Path.of(c.repo)).partnerName();
    }

    private static JsonNode status(JsonCli c) throws Exception {
        CliRun.Result r = CliRun.run("status", "--repo", c.repo, "--key-file", c.key, "--json");
        assertEquals(0, r.exit(), r.toString());
        return JSON.readTree(r.out());
    }
}
