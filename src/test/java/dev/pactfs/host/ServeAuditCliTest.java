package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pactfs.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pactfs audit} on a serve partner challenges packs instead of downloading them: an intact host passes
 * with no pack bytes read, a pack altered on the host's disk or deleted there fails the audit naming it, and each
 * audit sends fresh nonces (an answer cannot be kept from an earlier one).
 */
@Timeout(60)
class ServeAuditCliTest {

    /** Pack header (Envelope.HEADER): blob records start right after it. */
    private static final int PACK_HEADER = 40;

    @TempDir
    Path base;

    @Test
    void challengesCatchAnAlteredOrDeletedPackAndNoncesAreFresh() throws Exception {
        try (ServeCli host = new ServeCli(base)) {
            Path repo = host.init("acme", 1L << 30);
            for (int pass : new int[] {1, 2}) { // a pack per pass
                host.put(repo, 100_000 * (pass + 1), "f" + pass + ".bin", "s" + pass);
                host.onOk(repo, "replicate", "--once");
            }
            List<Path> packs;
            try (Stream<Path> s = Files.walk(host.root.resolve("tenants/acme/data"))) {
                packs = s.filter(p -> p.getParent().getParent().getFileName().toString().equals("packs")).sorted().toList();
            }
            assertTrue(packs.size() >= 2, packs.toString());

            JsonNode first = audit(host, repo, 0);
            assertEquals(packs.size(), first.get("packs_checked").asInt(), first.toString());
            assertEquals(packs.size(), first.get("challenges").size(), "every pack challenged: " + first);
            assertEquals(0, first.get("bytes_read").asLong(), "no pack downloaded: " + first);
            // Fixed small windows, never at a record's start (the first record starts right after the header):
            // the ranges asked must not map the pack's blob records for the host.
            first.get("challenges").forEach(c -> {
                assertTrue(c.get("length").asInt() <= 4096, c.toString());
                assertTrue(c.get("offset").asLong() > PACK_HEADER, c.toString());
            });
            JsonNode second = audit(host, repo, 0);
            Set<String> nonces = nonces(first);
            assertEquals(packs.size(), nonces.size(), first.toString());
            for (String n : nonces(second)) {
                assertFalse(nonces.contains(n), "nonce " + n + " sent by two audits");
            }

            // One byte in every 16 flipped from the first blob record on: whichever record and range home picks,
            // the range holds an altered byte (every sealed record is longer than 16 bytes: it ends in a GCM tag).
            Path altered = packs.get(0);
            byte[] good = Files.readAllBytes(altered);
            byte[] bad = good.clone();
            for (int i = PACK_HEADER; i < bad.length; i += 16) {
                bad[i] ^= 0x01;
            }
            rewrite(altered, bad);
            JsonNode caught = audit(host, repo, 1);
            String name = altered.getFileName().toString();
            assertTrue(caught.get("sample_problems").toString().contains("corrupt: pack " + name + ": wrong answer"),
                    caught.toString());
            assertEquals(1, caught.get("sample_problems").size(), caught.toString());
            CliRun.Result text = host.on(repo, "audit", "--sample", "100");
            assertEquals(1, text.exit(), text.toString());
            assertTrue(text.out().contains("corrupt: pack " + name), text.toString());
            assertFalse(text.err().contains("\tat "), text.toString());

            rewrite(altered, good);
            audit(host, repo, 0);
            Path deleted = packs.get(1);
            Files.delete(deleted);
            JsonNode missing = audit(host, repo, 1);
            assertTrue(missing.get("sample_problems").toString().contains("missing: pack " + deleted.getFileName()),
                    missing.toString());
        }
    }

    /** A pack home holds no blob of any more (evicted by the cache limit) cannot be checked by challenge: downloaded. */
    @Test
    void aPackWithNoLocalBlobIsDownloadedInstead() throws Exception {
        try (ServeCli host = new ServeCli(base)) {
            Path repo = host.init("acme", 1L << 30);
            host.put(repo, 300_000, "a.bin", "s1");
            host.onOk(repo, "replicate", "--once");
            Files.writeString(repo.resolve("config"), "cache.max=1\n", java.nio.file.StandardOpenOption.APPEND);
            CliRun.Result evict = host.onOk(repo, "replicate", "--once");
            assertTrue(evict.out().contains("local payloads evicted"), evict.toString());
            JsonNode a = audit(host, repo, 0);
            assertEquals(a.get("packs_known").asInt(), a.get("packs_checked").asInt(), a.toString());
            assertEquals(0, a.get("challenges").size(), a.toString());
            assertTrue(a.get("bytes_read").asLong() > 200_000, "the pack was downloaded: " + a);
        }
    }

    private static JsonNode audit(ServeCli host, Path repo, int exit) throws Exception {
        CliRun.Result r = host.on(repo, "audit", "--sample", "100", "--json");
        assertEquals(exit, r.exit(), r.toString());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(exit == 0, doc.get("ok").asBoolean(), r.toString());
        return doc;
    }

    private static Set<String> nonces(JsonNode audit) {
        Set<String> out = new HashSet<>();
        audit.get("challenges").forEach(c -> out.add(c.get("nonce").asText()));
        return out;
    }

    private static void rewrite(Path file, byte[] bytes) throws Exception {
        file.toFile().setWritable(true, true);
        Files.write(file, bytes);
    }
}
