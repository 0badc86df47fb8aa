package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.partner.ManifestHead;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.TestManifests;
import dev.pactfs.store.ServePartner;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compromised home holding the tenant's TLS key and its manifest key attacks the host's chain: a rollback, a
 * fork, a bad signature, a gap, a manifest of another repo. Each is refused with 409 and a reason, the head stays,
 * the refused file is not stored, and what the host held is intact; the head again is a no-op, and the head
 * survives a restart of the daemon.
 */
@Timeout(90)
class HostManifestChainTest {

    static final String ID = "0123456789abcdef0123456789abcdef";
    static final String COPY = "pactfs-" + ID;
    static final RepoKeys KEYS = TestManifests.keys(5);

    @TempDir
    Path root;
    HostServer server;
    String hostPin;
    PartnerTarget home;

    @BeforeEach
    void start() throws IOException {
        String code = HostServer.pair(root, "acme", 1L << 30);
        hostPin = code.split(":")[1];
        server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
        ServePartner host = partner();
        assertEquals("acme", PartnerTargets.pairServe(host, KEYS.tlsIdentity(), code.split(":")[2], KEYS.manifestKey()));
        home = PartnerTargets.serve(host, KEYS.tlsIdentity(), ID);
        home.save(PartnerTarget.Kind.CONFIG, "config",
                ("pactfs-partner-copy\nformat=1\nrepo_id=" + ID + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    @AfterEach
    void stop() throws IOException {
        if (home != null) {
            home.close();
        }
        server.close();
    }

    private ServePartner partner() {
        return new ServePartner("127.0.0.1:" + server.port(), hostPin);
    }

    private byte[] manifest(long seq, String prev) {
        return TestManifests.build(KEYS, KEYS.manifestKey(), ID, seq, prev);
    }

    private void put(byte[] m) throws IOException {
        home.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m), m);
    }

    /** The upload is refused with 409 and {@code reason}, and the file is not stored. */
    private void refused(byte[] m, String reason) throws IOException {
        IOException e = assertThrows(IOException.class, () -> put(m));
        assertTrue(e.getMessage().contains("HTTP 409 manifest refused: " + reason), e.getMessage());
        assertTrue(!home.sizes(PartnerTarget.Kind.MANIFEST).containsKey(TestManifests.nameOf(m))
                        || reason.startsWith("rollback"), "a refused manifest is not stored: " + e.getMessage());
    }

    @Test
    void onlyTheNextLinkIsAcceptedAndTheHeadAgainIsANoOp() throws IOException {
        byte[] pack = "a pack".getBytes(StandardCharsets.US_ASCII);
        home.save(PartnerTarget.Kind.PACK, TestManifests.nameOf(pack), pack);
        byte[] m1 = manifest(1, TestManifests.NO_PREV);
        put(m1);
        put(m1); // a resend after a crash: the same bytes as the head
        assertEquals(new ManifestHead(1, TestManifests.nameOf(m1)), home.manifestHead());
        byte[] m2 = manifest(2, TestManifests.nameOf(m1));
        put(m2);
        byte[] m3 = manifest(3, TestManifests.nameOf(m2));
        put(m3);
        ManifestHead head = new ManifestHead(3, TestManifests.nameOf(m3));
        assertEquals(head, home.manifestHead());

        refused(manifest(2, TestManifests.nameOf(m1)), "rollback: sequence 2 is older than the head 3");
        refused(m1, "rollback: sequence 1 is older than the head 3"); // an old link replayed
        refused(manifest(3, TestManifests.nameOf(m2)), "fork: sequence 3 is already " + head.name());
        refused(manifest(4, TestManifests.nameOf(m2)), "fork: sequence 4 follows " + TestManifests.nameOf(m2));
        refused(manifest(6, TestManifests.nameOf(m3)), "gap: sequence 6 does not follow the head 3");
        RepoKeys other = TestManifests.keys(6);
        refused(TestManifests.build(other, other.manifestKey(), ID, 4, head.name()),
                "manifests/"); // signed by another key than the one registered at pairing
        refused(TestManifests.withForgedTime(manifest(4, head.name())), "manifests/"); // only the signature tells
        byte[] otherRepo = TestManifests.build(KEYS, KEYS.manifestKey(), "f".repeat(32), 4, head.name());
        refused(otherRepo, "manifest of repo " + "f".repeat(32) + " uploaded to copy " + COPY);

        assertEquals(head, home.manifestHead(), "every refusal leaves the head");
        assertEquals(Set.of(TestManifests.nameOf(m1), TestManifests.nameOf(m2), TestManifests.nameOf(m3)),
                home.sizes(PartnerTarget.Kind.MANIFEST).keySet());
        assertArrayEquals(m3, home.load(PartnerTarget.Kind.MANIFEST, head.name()));
        assertArrayEquals(pack, home.load(PartnerTarget.Kind.PACK, TestManifests.nameOf(pack)));
        put(manifest(4, head.name()));
        assertEquals(4, home.manifestHead().seq());
    }

    @Test
    void theHeadIsDurableAcrossARestartAndACrashBeforeTheHeadIsCompletedByTheResend() throws IOException {
        byte[] m1 = manifest(7, TestManifests.NO_PREV); // the first manifest of a copy may start anywhere
        put(m1);
        assertEquals("7 " + TestManifests.nameOf(m1) + "\n",
                Files.readString(root.resolve("tenants/acme/heads/" + COPY)));
        byte[] m2 = manifest(8, TestManifests.nameOf(m1));
        // A crash after the file was stored and before the head moved: the file is there, the head is not.
        try (PartnerTarget disk = PartnerTargets.directory(root.resolve("tenants/acme/data/" + COPY))) {
            disk.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m2), m2);
        }
        home.close();
        server.close();
        server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
        home = PartnerTargets.serve(partner(), KEYS.tlsIdentity(), ID);
        assertEquals(new ManifestHead(7, TestManifests.nameOf(m1)), home.manifestHead());
        put(m2); // the resend completes the step
        assertEquals(new ManifestHead(8, TestManifests.nameOf(m2)), home.manifestHead());
        refused(manifest(8, TestManifests.nameOf(m1)), "fork: sequence 8 is already " + TestManifests.nameOf(m2));
    }

    @Test
    void aTenantPairedWithoutAManifestKeyHasItsFirstManifestsKeyAdoptedOnce() throws IOException {
        Tenants t = new Tenants(root);
        String secret = t.pair("old", 1L << 30);
        RepoKeys old = TestManifests.keys(8);
        assertEquals("old", t.redeem(secret, old.tlsIdentity().fingerprint(), null).orElseThrow());
        try (PartnerTarget p = PartnerTargets.serve(partner(), old.tlsIdentity(), ID)) {
            p.save(PartnerTarget.Kind.CONFIG, "config",
                    ("pactfs-partner-copy\nformat=1\nrepo_id=" + ID + "\n").getBytes(StandardCharsets.US_ASCII));
            byte[] m1 = TestManifests.build(old, old.manifestKey(), ID, 1, TestManifests.NO_PREV);
            p.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m1), m1);
            assertEquals(java.util.HexFormat.of().formatHex(old.manifestKey().publicKey()) + "\n",
                    Files.readString(root.resolve("tenants/old/manifest-key")));
            RepoKeys thief = TestManifests.keys(9);
            byte[] m2 = TestManifests.build(old, thief.manifestKey(), ID, 2, TestManifests.nameOf(m1));
            IOException e = assertThrows(IOException.class,
                    () -> p.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m2), m2));
            assertTrue(e.getMessage().contains("signed by another key"), e.getMessage());
            assertEquals(new ManifestHead(1, TestManifests.nameOf(m1)), p.manifestHead());
        }
    }
    @Test
    void aCopyStoredBeforeHeadsGetsItsHeadFromItsNewestStoredManifest() throws IOException {
        byte[] m1 = manifest(1, TestManifests.NO_PREV);
        byte[] m2 = manifest(2, TestManifests.nameOf(m1));
        byte[] m3 = manifest(3, TestManifests.nameOf(m2));
        try (PartnerTarget disk = PartnerTargets.directory(root.resolve("tenants/acme/data/" + COPY))) {
            for (byte[] m : new byte[][] {m1, m2, m3}) {
                disk.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m), m);
            }
            RepoKeys other = TestManifests.keys(6); // not the tenant's key: it cannot lift the head
            byte[] forged = TestManifests.build(other, other.manifestKey(), ID, 50, TestManifests.NO_PREV);
            disk.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(forged), forged);
        }
        assertTrue(!Files.exists(root.resolve("tenants/acme/heads/" + COPY)), "no head: stored before heads");
        refused(manifest(2, TestManifests.nameOf(m1)), "rollback: sequence 2 is older than the head 3");
        refused(manifest(3, TestManifests.nameOf(m2)), "fork: sequence 3 is already " + TestManifests.nameOf(m3));
        assertEquals("3 " + TestManifests.nameOf(m3) + "\n", Files.readString(root.resolve("tenants/acme/heads/" + COPY)),
                "the derived head is kept");
        put(manifest(4, TestManifests.nameOf(m3)));
        assertEquals(4, home.manifestHead().seq());
    }

    @Test
    void aSequenceTooLargeForTheHeadFileIsRefused() throws IOException {
        refused(manifest(ManifestGate.MAX_SEQ, TestManifests.NO_PREV), "sequence " + ManifestGate.MAX_SEQ + " is past");
        put(manifest(ManifestGate.MAX_SEQ - 1, TestManifests.NO_PREV));
        assertEquals(ManifestGate.MAX_SEQ - 1, home.manifestHead().seq());
    }
}
