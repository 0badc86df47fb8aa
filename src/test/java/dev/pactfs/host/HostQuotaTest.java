package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.partner.PartnerQuotaException;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.TestManifests;
import dev.pactfs.store.ServePartner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tenant with a small quota: uploads up to it are stored, the one past it is refused with 507 (the client's
 * {@link PartnerQuotaException}, "partner quota full"), nothing is stored or counted for it, and the count is the
 * bytes on disk, recomputed when the daemon starts again.
 */
@Timeout(90)
class HostQuotaTest {

    static final String ID = "0123456789abcdef0123456789abcdef";
    static final RepoKeys KEYS = TestManifests.keys(11);
    static final long QUOTA = 10_000;

    @TempDir
    Path root;

    @Test
    void uploadsPastTheQuotaAreRefusedAndTheCountSurvivesARestart() throws IOException {
        String code = HostServer.pair(root, "small", QUOTA);
        String pin = code.split(":")[1];
        byte[] config = ("pactfs-partner-copy\nformat=1\nrepo_id=" + ID + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] a = random(6000, 1);
        byte[] b = random(4000, 2);
        byte[] small = random(QUOTA - 6000 - config.length, 3);
        try (HostServer server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0))) {
            ServePartner host = new ServePartner("127.0.0.1:" + server.port(), pin);
            PartnerTargets.pairServe(host, KEYS.tlsIdentity(), code.split(":")[2], KEYS.manifestKey());
            try (PartnerTarget t = PartnerTargets.serve(host, KEYS.tlsIdentity(), ID)) {
                t.save(PartnerTarget.Kind.CONFIG, "config", config);
                t.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(a), a);
                assertEquals(QUOTA - 6000 - config.length, t.usableSpace());
                PartnerQuotaException e = assertThrows(PartnerQuotaException.class,
                        () -> t.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(b), b));
                assertTrue(e.getMessage().startsWith("partner quota full: host pactfs://"), e.getMessage());
                assertTrue(e.getMessage().contains("stores " + (6000 + config.length) + " of " + QUOTA + " bytes"),
                        e.getMessage());
                assertThrows(NoSuchFileException.class, () -> t.stat(PartnerTarget.Kind.PACK, TestManifests.nameOf(b)));
                t.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(a), a); // stored already: costs nothing
                t.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(small), small); // exactly to the quota
                assertEquals(0, t.usableSpace());
                byte[] m = TestManifests.build(KEYS, KEYS.manifestKey(), ID, 1, TestManifests.NO_PREV);
                assertThrows(PartnerQuotaException.class,
                        () -> t.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m), m), "a manifest counts too");
            }
        }
        // The admin raises the quota (the file serve pair writes); the daemon counts what is on disk when it starts.
        Files.writeString(root.resolve("tenants/small/quota"), (QUOTA + 5000) + "\n");
        try (HostServer server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
             PartnerTarget t = PartnerTargets.serve(new ServePartner("127.0.0.1:" + server.port(), pin),
                     KEYS.tlsIdentity(), ID)) {
            assertEquals(5000, t.usableSpace());
            t.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(b), b);
            assertArrayEquals(a, t.load(PartnerTarget.Kind.PACK, TestManifests.nameOf(a)));
            assertEquals(1000, t.usableSpace());
        }
    }

    private static byte[] random(long n, long seed) {
        byte[] out = new byte[(int) n];
        new Random(seed).nextBytes(out);
        return out;
    }
}
