package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.store.S3Partner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** The target contract against a real S3 server (s3proxy), plus what only an object store has: parts, aborts. */
@Timeout(120)
class S3TargetTest extends PartnerTargetContract {

    @TempDir
    static Path shared;

    static S3ProxyFixture server;
    static int buckets;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyFixture.start(shared.resolve("s3"));
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    S3Partner partner;

    @Override
    PartnerTarget newTarget() throws IOException {
        String bucket = "bucket-" + (++buckets);
        server.createBucket(bucket);
        partner = server.partner(bucket, "site/acme", S3ProxyFixture.credentialsFile(shared.resolve("creds-" + bucket)));
        PartnerTarget t = PartnerTargets.s3(partner, "r1");
        t.save(PartnerTarget.Kind.CONFIG, "config", "pactfs-partner-copy\nformat=1\nrepo_id=r1\n".getBytes(StandardCharsets.US_ASCII));
        return t;
    }

    private S3Target smallParts() throws IOException {
        return new S3Target(S3Target.client(partner), partner.bucket(), partner.copyPrefix("r1"), 5 << 20);
    }

    @Test
    void objectsLieWhereTheFilesOfADirectoryCopyLie() throws IOException {
        byte[] d = bytes(100, 21);
        String name = nameOf(d);
        target.save(PartnerTarget.Kind.PACK, name, d);
        target.save(PartnerTarget.Kind.MANIFEST, name, d);
        Path bucketDir = server.dir.resolve(partner.bucket());
        assertArrayEquals(d, Files.readAllBytes(bucketDir.resolve("site/acme/pactfs-r1/packs/" + name.substring(0, 2) + "/" + name)));
        assertArrayEquals(d, Files.readAllBytes(bucketDir.resolve("site/acme/pactfs-r1/manifests/" + name)));
        assertTrue(Files.isRegularFile(bucketDir.resolve("site/acme/pactfs-r1/config")));
        assertEquals("s3://" + partner.bucket() + "/site/acme/pactfs-r1", target.location());
    }

    @Test
    void aPackLargerThanAPartGoesUpInPartsAndLoadsBackWhole() throws IOException {
        byte[] big = bytes((5 << 20) * 2 + 12345, 22);
        String name = nameOf(big);
        try (S3Target t = smallParts()) {
            t.save(PartnerTarget.Kind.PACK, name, big);
            assertArrayEquals(big, t.load(PartnerTarget.Kind.PACK, name));
            assertArrayEquals(java.util.Arrays.copyOfRange(big, (5 << 20) - 10, (5 << 20) + 10),
                    t.load(PartnerTarget.Kind.PACK, name, (5 << 20) - 10, 20));
            assertEquals(0, t.cleanup(), "a completed upload leaves nothing to clean");
        }
        try (S3Client c = server.client()) {
            String etag = c.headObject(h -> h.bucket(partner.bucket()).key(partner.copyPrefix("r1") + "packs/"
                    + name.substring(0, 2) + "/" + name)).eTag();
            assertTrue(etag.endsWith("-3\""), "not a 3-part upload: " + etag);
        }
    }

    @Test
    void cleanupAbortsAnUploadAKilledPassLeft() throws IOException {
        String key;
        try (S3Client c = server.client()) {
            key = partner.copyPrefix("r1") + "packs/ab/" + "ab".repeat(32);
            String id = c.createMultipartUpload(m -> m.bucket(partner.bucket()).key(key)).uploadId();
            c.uploadPart(u -> u.bucket(partner.bucket()).key(key).uploadId(id).partNumber(1),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(new byte[1000]));
        }
        assertEquals(1, target.cleanup());
        assertEquals(0, target.cleanup());
        assertEquals(List.of(), target.list(PartnerTarget.Kind.PACK));
    }

    @Test
    void credentialsFileReadableByOthersIsRefusedWithoutEchoingTheKey() throws IOException {
        Path creds = S3ProxyFixture.credentialsFile(shared.resolve("loose"));
        Files.setPosixFilePermissions(creds, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        IOException e = assertThrows(IOException.class, () -> PartnerTargets.s3(
                server.partner(partner.bucket(), "x", creds), "r1"));
        assertTrue(e.getMessage().contains("readable by others") && !e.getMessage().contains(S3ProxyFixture.SECRET_KEY),
                e.getMessage());
    }

    @Test
    void aWrongSecretIsAnUnavailablePartnerNotAMissingFile() throws IOException {
        Path creds = S3ProxyFixture.credentialsFile(shared.resolve("wrong"));
        Files.writeString(creds, "[default]\naws_access_key_id = " + S3ProxyFixture.ACCESS_KEY
                + "\naws_secret_access_key = not-the-secret\n");
        try (PartnerTarget t = PartnerTargets.s3(server.partner(partner.bucket(), "site/acme", creds), "r1")) {
            IOException e = assertThrows(IOException.class, () -> t.load(PartnerTarget.Kind.CONFIG, "config"));
            assertFalse(PartnerTarget.isNotFound(e), e.toString());
            assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
        }
    }

    @Test
    void capabilitiesSayWhatTheServerEnforces() throws IOException {
        try (S3Target t = smallParts()) {
            S3Capabilities c = t.capabilities();
            // s3proxy 2.6.0 over the filesystem backend: no object lock, no versioning (If-None-Match: as probed).
            assertFalse(c.objectLock());
            assertFalse(c.versioning());
            assertTrue(c.describe().startsWith("no-overwrite (If-None-Match) "), c.describe());
        }
    }
}
