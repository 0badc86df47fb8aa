package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The partner commands through the launcher against a real S3 server (s3proxy on 127.0.0.1): init with an
 * {@code s3://} partner, replicate, status, audit, a deleted object found, recover from the bucket alone with the
 * paper key restoring byte-identically; and the bucket's objects are a directory copy that recovers as one.
 */
@Timeout(240)
class S3PartnerCliTest {

    @TempDir
    Path tmp;

    /** In this JVM (a launcher JVM per command costs seconds on a shared CI machine); env is not passed. */
    private static Sh.Result cli(String... args) {
        long t0 = System.nanoTime();
        dev.pactfs.cli.CliRun.Result r = dev.pactfs.cli.CliRun.run(args);
        System.err.printf("S3PartnerCliTest: %s took %d ms%n", args[0], (System.nanoTime() - t0) / 1_000_000);
        return new Sh.Result(List.of(args), r.exit(), r.out(), r.err(), Duration.ZERO);
    }

    private static Sh.Result pactfs(Map<String, String> env, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        Sh.Result r = Sh.run(null, env, Duration.ofSeconds(90), argv);
        System.err.printf("S3PartnerCliTest: launcher %s took %d ms%n", args[0], r.took().toMillis());
        return r;
    }

    /** The access key in the environment, as a cron job or systemd unit would give it. */
    private static Map<String, String> awsEnv() {
        Map<String, String> e = new HashMap<>();
        e.put("AWS_ACCESS_KEY_ID", S3ProxyFixture.ACCESS_KEY);
        e.put("AWS_SECRET_ACCESS_KEY", S3ProxyFixture.SECRET_KEY);
        return e;
    }

    private static void assertNoSecret(Sh.Result r) {
        assertFalse(r.out().contains(S3ProxyFixture.SECRET_KEY) || r.err().contains(S3ProxyFixture.SECRET_KEY),
                "the secret key was printed: " + r);
    }

    @Test
    void initReplicateAuditAndRecoverFromTheBucketAloneWithThePaperKey() throws Exception {
        try (S3ProxyFixture s3 = S3ProxyFixture.start(tmp.resolve("s3"))) {
            s3.createBucket("pactfs");
            String ep = s3.endpoint.toString();
            Path repo = tmp.resolve("repo");
            Path key = tmp.resolve("acme.key");
            Path creds = S3ProxyFixture.credentialsFile(tmp.resolve("s3.credentials"));
            Sh.Result init = pactfs(Map.of(), "init", "--repo", repo.toString(), "--partner", "s3://pactfs/sites/acme",
                    "--s3-endpoint", ep, "--s3-credentials-file", creds.toString(), "--key-file", key.toString(),
                    "--chunk-sizes", "16/64/256").ok();
            assertTrue(init.err().contains("partner copy in s3://pactfs/sites/acme/pactfs-"), init.err());
            String config = Files.readString(repo.resolve("config"));
            assertTrue(config.contains("partner=s3\\://pactfs/sites/acme") || config.contains("partner=s3://pactfs/sites/acme"),
                    config);
            assertFalse(config.contains(S3ProxyFixture.SECRET_KEY) || config.contains(S3ProxyFixture.ACCESS_KEY), config);

            // Two files, one larger than a multipart part would be at its minimum, in two snapshots.
            byte[] a = new byte[3 << 20];
            new Random(1).nextBytes(a);
            byte[] b = "a small file\n".getBytes();
            Path fa = Files.write(tmp.resolve("a.bin"), a);
            Path fb = Files.write(tmp.resolve("b.txt"), b);
            cli("put", "--repo", repo.toString(), "--key-file", key.toString(), fa.toString(), "a.bin").ok();
            cli("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", "n1").ok();
            cli("put", "--repo", repo.toString(), "--key-file", key.toString(), fb.toString(), "b.txt").ok();
            cli("snapshot", "create", "--repo", repo.toString(), "--key-file", key.toString(), "--name", "n2").ok();

            Sh.Result rep = cli("replicate", "--repo", repo.toString(), "--key-file", key.toString(), "--once").ok();
            assertNoSecret(rep);
            Sh.Result st = cli("status", "--repo", repo.toString(), "--key-file", key.toString(), "--json").ok();
            assertTrue(st.out().contains("\"partner\":\"reachable\"") && st.out().contains("\"pending_blobs\":0,")
                    && st.out().contains("\"last_snapshot_safe\":\"n2\"") && st.out().contains("\"partner_protections\":{"),
                    st.out());
            Sh.Result audit = cli("audit", "--repo", repo.toString(), "--key-file", key.toString(),
                    "--sample", "100").ok();
            assertTrue(audit.out().contains("listed the partner copy: all match"), audit.out());

            // The objects are the files of a directory copy: the bucket's directory in s3proxy's filesystem backend,
            // taken as a partner directory (what `aws s3 sync` or rclone would make), scrubs clean at the host.
            Path asDirectory = tmp.resolve("s3/pactfs/sites/acme");
            Sh.Result scrub = cli("scrub-hosted", asDirectory.toString()).ok();
            assertTrue(scrub.out().contains("all intact"), scrub.out());

            // Recover from the bucket alone, with the recovery code and the access key in the environment.
            Path paper = Files.writeString(tmp.resolve("paper.txt"), PaperKey.encode(KeyFile.readMachineKey(key)) + "\n");
            Path rec = tmp.resolve("recovered");
            Path newKey = tmp.resolve("new.key");
            Sh.Result r = pactfs(awsEnv(), "recover", "--partner", "s3://pactfs/sites/acme", "--s3-endpoint", ep,
                    "--repo", rec.toString(), "--paper-key-file", paper.toString(), "--key-file", newKey.toString()).ok();
            assertNoSecret(r);
            assertTrue(r.out().contains("recovered repo " + rec), r.out());
            Path out = tmp.resolve("restored");
            cli("restore", "--repo", rec.toString(), "--key-file", newKey.toString(), "n2", out.toString()).ok();
            assertArrayEquals(a, Files.readAllBytes(out.resolve("a.bin")));
            assertArrayEquals(b, Files.readAllBytes(out.resolve("b.txt")));
            // The recovered repo names the same bucket and replicates there with nothing left to send.
            assertTrue(Files.readString(rec.resolve("config")).contains("partner.s3.endpoint=" + ep),
                    Files.readString(rec.resolve("config")));
            Sh.Result st2 = pactfs(awsEnv(), "status", "--repo", rec.toString(), "--key-file", newKey.toString(), "--json").ok();
            assertTrue(st2.out().contains("\"partner\":\"reachable\"") && st2.out().contains("\"pending_blobs\":0,"), st2.out());

            // A hostile partner: a pack deleted from the bucket is found by audit's listing. s3proxy's filesystem
            // backend also lists its directories as keys ending in '/' (".../packs/", ".../packs/91/"); deleting one
            // of those removes nothing, so pick the pack object by its name, and check it is really gone.
            try (S3Client c = s3.client()) {
                S3Object pack = c.listObjectsV2(l -> l.bucket("pactfs").prefix("sites/acme/")).contents().stream()
                        .filter(o -> o.key().matches(".*/packs/[0-9a-f]{2}/[0-9a-f]{64}")).findFirst().orElseThrow();
                c.deleteObject(d -> d.bucket("pactfs").key(pack.key()));
                assertTrue(c.listObjectsV2(l -> l.bucket("pactfs").prefix(pack.key())).contents().isEmpty(),
                        "still in the bucket: " + pack.key());
            }
            Sh.Result damaged = cli("audit", "--repo", repo.toString(), "--key-file", key.toString(),
                    "--sample", "100").failed();
            assertTrue(damaged.out().contains("missing: pack ") && damaged.out().contains("is missing at the partner"),
                    damaged.out());
        }
    }
}
