package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pactfs.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pactfs serve status} read from the host's directory with the daemon stopped: per tenant its copy, bytes
 * used of the quota, the manifest head (sequence, the time from its signed header), the objects stored and the
 * last upload, as a table and as JSON; a directory that is no serve root is one line and exit 1.
 */
@Timeout(60)
class ServeStatusCliTest {

    @TempDir
    Path base;

    @Test
    void showsEachTenantsCopyHeadAndUsageWithoutTheDaemon() throws Exception {
        Path repo;
        Path root;
        long before = System.currentTimeMillis() - 2000; // file times have a one-second grain on some file systems
        try (ServeCli host = new ServeCli(base)) {
            repo = host.init("acme", 1L << 30);
            host.put(repo, 5000, "a.bin", "s1");
            host.onOk(repo, "replicate", "--once");
            host.put(repo, 7000, "b.bin", "s2");
            host.onOk(repo, "replicate", "--once");
            HostServer.pair(host.root, "idle", 5L << 20); // a tenant that never connected
            root = host.root;
        }
        Path copyDir;
        try (Stream<Path> s = Files.list(root.resolve("tenants/acme/data"))) {
            copyDir = s.findFirst().orElseThrow();
        }
        long objects;
        long bytes;
        try (Stream<Path> s = Files.walk(copyDir)) {
            objects = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).count();
        }
        try (Stream<Path> s = Files.walk(copyDir)) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(objects >= 6, "two passes store packs, index files, records, manifests: " + objects);

        CliRun.Result table = ServeCli.ok("serve", "status", "--root", root.toString());
        String acme = table.out().lines().filter(l -> l.startsWith("acme ")).findFirst().orElseThrow(() ->
                new AssertionError(table.toString()));
        assertTrue(acme.contains(copyDir.getFileName().toString()), acme);
        assertTrue(acme.contains("/ 1.0 GiB"), acme);
        assertTrue(acme.matches(".* 2 +\\d{4}-\\d\\d-\\d\\dT.* " + objects + " +\\d{4}-.*"), acme);
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("idle (unpaired)") && l.contains("/ 5.0 MiB")),
                table.toString());

        CliRun.Result json = ServeCli.ok("serve", "status", "--root", root.toString(), "--json");
        JsonNode doc = new ObjectMapper().readTree(json.out());
        JsonNode t = doc.get("tenants").get(0);
        assertEquals("acme", t.get("name").asText());
        assertTrue(t.get("paired").asBoolean());
        assertEquals(bytes, t.get("used_bytes").asLong(), "used counts every file of the prefix");
        assertEquals(1L << 30, t.get("quota_bytes").asLong());
        JsonNode c = t.get("copies").get(0);
        assertEquals(copyDir.getFileName().toString(), c.get("copy").asText());
        assertEquals(2, c.get("manifest_seq").asLong());
        String head = Files.readString(root.resolve("tenants/acme/heads/" + copyDir.getFileName())).trim();
        assertEquals(head, "2 " + c.get("manifest_name").asText());
        assertTrue(c.get("manifest_problem").isNull(), c.toString());
        long made = Instant.parse(c.get("manifest_time").asText()).toEpochMilli();
        assertTrue(made >= before - 1000 && made <= System.currentTimeMillis(), c.toString());
        assertEquals(objects, c.get("objects").asLong());
        long last = Instant.parse(c.get("last_upload").asText()).toEpochMilli();
        assertTrue(last >= made - 1000 && last <= System.currentTimeMillis(), c.toString());
        assertEquals("idle", doc.get("tenants").get(1).get("name").asText());
        assertEquals(0, doc.get("tenants").get(1).get("copies").size());

        CliRun.Result not = CliRun.run("serve", "status", "--root", base.resolve("acme").toString());
        assertEquals(1, not.exit(), not.toString());
        assertEquals(1, not.err().lines().count(), not.toString());
        assertTrue(not.err().contains("is not a pactfs serve root"), not.toString());
        assertFalse(not.err().contains("\tat "), not.toString());
    }

    @Test
    void aDamagedManifestKeyIsTheCopysProblemAndADamagedQuotaOneLine() throws Exception {
        Path root = base.resolve("root");
        HostServer.pair(root, "acme", 1L << 20);
        String copy = "pactfs-" + "0123456789abcdef".repeat(2);
        String name = "ab".repeat(32);
        Path manifests = Files.createDirectories(root.resolve("tenants/acme/data/" + copy + "/manifests"));
        Files.write(manifests.resolve(name), new byte[] {1, 2, 3});
        Files.createDirectories(root.resolve("tenants/acme/heads"));
        Files.writeString(root.resolve("tenants/acme/heads/" + copy), "1 " + name + "\n");
        Files.writeString(root.resolve("tenants/acme/manifest-key"), "not a key\n");
        JsonNode c = new ObjectMapper().readTree(ServeCli.ok("serve", "status", "--root", root.toString(), "--json")
                .out()).get("tenants").get(0).get("copies").get(0);
        assertTrue(c.get("manifest_problem").asText().contains("manifest-key is damaged"), c.toString());

        Files.writeString(root.resolve("tenants/acme/quota"), "lots\n");
        CliRun.Result bad = CliRun.run("serve", "status", "--root", root.toString());
        assertEquals(1, bad.exit(), bad.toString());
        assertEquals(1, bad.err().lines().count(), bad.toString());
        assertTrue(bad.err().contains("quota is damaged"), bad.toString());
        assertFalse(bad.err().contains("\tat "), bad.toString());
    }
}
