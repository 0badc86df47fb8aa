package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `replicate --json`, `audit --json` and `recover --json` through the launcher, in that order on one repo and its
 * partner copy: the figures each reports agree with each other and with what was stored.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ReplicationJsonCliTest {

    @TempDir
    Path tmp;

    @Test
    void replicateAuditRecoverPrintOneDocumentWithTheirFigures() throws Exception {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();

        JsonNode rep = c.json("replicate", "--repo", c.repo, "--key-file", c.key, "--once", "--json");
        assertTrue(rep.get("blobs").asLong() >= 2, rep.toString());
        assertEquals(2, rep.get("snapshot_records").asLong(), rep.toString());
        assertTrue(rep.get("partner_matched").asBoolean());

        JsonNode audit = c.json("audit", "--repo", c.repo, "--key-file", c.key, "--sample", "100", "--json");
        assertTrue(audit.get("ok").asBoolean(), audit.toString());
        assertTrue(audit.get("packs_checked").asLong() > 0, audit.toString());
        assertEquals(audit.get("packs_known").asLong(), audit.get("packs_checked").asLong());

        String recovered = tmp.resolve("recovered").toString();
        JsonNode rec = c.json("recover", "--partner", c.partner.toString(), "--repo", recovered, "--key-file", c.key, "--json");
        assertTrue(rec.get("complete").asBoolean(), rec.toString());
        assertEquals(2, rec.get("snapshots").asLong());
        assertEquals(rep.get("blobs").asLong(), rec.get("blobs").asLong(), rec.toString());
        assertTrue(rec.get("bytes_read").asLong() > c.one.length / 2, rec.toString());
    }
}
