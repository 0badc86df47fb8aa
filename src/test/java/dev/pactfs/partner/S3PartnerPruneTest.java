package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.PaperKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Partner prune on an S3 partner (s3proxy on 127.0.0.1): after forget and prune at home, the forgotten snapshot's
 * record and the pack only it used are deleted from the bucket, the copy still audits clean, and the pruned bucket
 * alone recovers the kept snapshot byte-identically.
 */
@Timeout(180)
class S3PartnerPruneTest {

    @TempDir
    Path tmp;

    private static CliRun.Result ok(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r);
        return r;
    }

    /** The copy's objects of one kind ("packs", "snapshots") with their sizes; directory markers left out. */
    private static Map<String, Long> objects(S3Client c, String kind) {
        return c.listObjectsV2Paginator(l -> l.bucket("pactfs").prefix("sites/acme/")).contents().stream()
                .filter(o -> o.key().matches(".*/" + kind + "/([0-9a-f]{2}/)?[0-9a-f]{64}"))
                .collect(Collectors.toMap(S3Object::key, S3Object::size, (a, b) -> a, TreeMap::new));
    }

    @Test
    void pruneDeletesTheForgottenSnapshotsRecordAndPackFromTheBucket() throws Exception {
        try (S3ProxyFixture s3 = S3ProxyFixture.start(tmp.resolve("s3")); S3Client c = s3.client()) {
            s3.createBucket("pactfs");
            String ep = s3.endpoint.toString();
            String repo = tmp.resolve("repo").toString();
            String key = tmp.resolve("acme.key").toString();
            Path creds = S3ProxyFixture.credentialsFile(tmp.resolve("s3.credentials"));
            ok("init", "--repo", repo, "--partner", "s3://pactfs/sites/acme", "--s3-endpoint", ep,
                    "--s3-credentials-file", creds.toString(), "--key-file", key, "--chunk-sizes", "16/64/256");

            // Night 1 and night 2: the same name, unrelated content (no delta), so night 1's pack is all n1's.
            byte[] v1 = new byte[2 << 20];
            new Random(1).nextBytes(v1);
            byte[] v2 = new byte[2 << 20];
            new Random(2).nextBytes(v2);
            ok("put", "--repo", repo, "--key-file", key, Files.write(tmp.resolve("v1"), v1).toString(), "db.bin");
            ok("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "n1");
            ok("replicate", "--repo", repo, "--key-file", key, "--once");
            Map<String, Long> packs1 = objects(c, "packs");
            assertFalse(packs1.isEmpty(), "night 1 sent no pack");
            Thread.sleep(5); // distinct snapshot times
            ok("put", "--repo", repo, "--key-file", key, Files.write(tmp.resolve("v2"), v2).toString(), "db.bin");
            ok("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "n2");
            ok("replicate", "--repo", repo, "--key-file", key, "--once");
            Map<String, Long> packs2 = objects(c, "packs");
            assertTrue(packs2.keySet().containsAll(packs1.keySet()) && packs2.size() > packs1.size(), packs2.toString());
            assertEquals(2, objects(c, "snapshots").size());

            ok("forget", "--repo", repo, "--key-file", key, "--keep-last", "1");
            CliRun.Result prune = ok("prune", "--repo", repo, "--key-file", key);
            assertTrue(prune.out().contains("1 forgotten snapshots handed to the partner side"), prune.out());

            Map<String, Long> after = objects(c, "packs");
            for (String gone : packs1.keySet()) {
                assertFalse(after.containsKey(gone), "night 1's pack is still in the bucket: " + gone);
            }
            long before = packs2.values().stream().mapToLong(Long::longValue).sum();
            long now = after.values().stream().mapToLong(Long::longValue).sum();
            assertTrue(now < before - v1.length / 2, "pack bytes in the bucket " + before + " -> " + now);
            assertEquals(1, objects(c, "snapshots").size(), "n1's snapshot record is still in the bucket");

            CliRun.Result audit = ok("audit", "--repo", repo, "--key-file", key, "--sample", "100");
            assertTrue(audit.out().contains("audited") && audit.out().contains("listed the partner copy: all match"),
                    audit.out());

            // The pruned bucket alone still recovers the kept night.
            Path paper = Files.writeString(tmp.resolve("paper.txt"),
                    PaperKey.encode(KeyFile.readMachineKey(Path.of(key))) + "\n");
            String rec = tmp.resolve("recovered").toString();
            String newKey = tmp.resolve("new.key").toString();
            ok("recover", "--partner", "s3://pactfs/sites/acme", "--s3-endpoint", ep, "--s3-credentials-file",
                    creds.toString(), "--repo", rec, "--paper-key-file", paper.toString(), "--key-file", newKey);
            Path out = tmp.resolve("restored");
            ok("restore", "--repo", rec, "--key-file", newKey, "n2", out.toString());
            assertArrayEquals(v2, Files.readAllBytes(out.resolve("db.bin")));
            CliRun.Result list = ok("snapshot", "list", "--repo", rec, "--key-file", newKey);
            assertFalse(list.out().contains("n1"), list.out());
        }
    }
}
