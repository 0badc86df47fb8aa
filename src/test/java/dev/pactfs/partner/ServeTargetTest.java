package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.TlsIdentity;
import dev.pactfs.host.HostServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The target contract against a real {@code pactfs serve} on loopback, plus what only a serve host does. */
@Timeout(120)
class ServeTargetTest extends PartnerTargetContract {

    @TempDir
    static Path root;
    static HostServer server;
    static String hostPin;
    static String hostPort;
    static final TlsIdentity ME = TlsIdentity.fromSeed(new byte[32]);
    static int copies;
    static final dev.pactfs.crypto.RepoKeys KEYS = TestManifests.keys(3);

    String repoId;

    @BeforeAll
    static void startServer() throws IOException {
        String code = HostServer.pair(root, "acme", 1L << 30);
        hostPin = code.split(":")[1];
        server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
        hostPort = "127.0.0.1:" + server.port();
        assertEquals("acme", ServeTarget.pair(hostPort, hostPin, ME, code.split(":")[2], KEYS.manifestKey().publicKey()));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    PartnerTarget newTarget() throws IOException {
        repoId = String.format("%032x", ++copies);
        PartnerTarget t = ServeTarget.open(hostPort, hostPin, ME, repoId);
        t.save(PartnerTarget.Kind.CONFIG, "config",
                ("pactfs-partner-copy\nformat=1\nrepo_id=" + repoId + "\n").getBytes(StandardCharsets.US_ASCII));
        return t;
    }

    @Override
    String repoId() {
        return repoId;
    }

    /** Replaces the contract's idempotent delete: the host has no delete verb, so nothing goes. */
    @Override
    @Test
    void listShowsEachKindSeparatelyAndDeleteIsIdempotent() throws IOException {
        byte[] a = bytes(10, 4);
        target.save(PartnerTarget.Kind.PACK, nameOf(a), a);
        target.delete(PartnerTarget.Kind.PACK, nameOf(a));
        target.delete(PartnerTarget.Kind.PACK, nameOf(a));
        assertEquals(List.of(nameOf(a)), target.list(PartnerTarget.Kind.PACK));
        assertArrayEquals(a, target.load(PartnerTarget.Kind.PACK, nameOf(a)));
    }

    /** The contract's manifest is random bytes; the host takes only a signed next link of the chain. */
    @Override
    @Test
    void sizesListEveryFileOfAKindWithItsSizeAndNothingElse() throws IOException {
        byte[] a = bytes(1000, 11);
        target.save(PartnerTarget.Kind.PACK, nameOf(a), a);
        byte[] junk = bytes(300, 13);
        IOException e = assertThrows(IOException.class, () -> target.save(PartnerTarget.Kind.MANIFEST, nameOf(junk), junk));
        assertTrue(e.getMessage().contains("HTTP 409 manifest refused"), e.getMessage());
        assertEquals(ManifestHead.NONE, target.manifestHead());
        byte[] m = TestManifests.build(KEYS, KEYS.manifestKey(), repoId, 1, Manifest.NO_PREV);
        target.save(PartnerTarget.Kind.MANIFEST, nameOf(m), m);
        assertEquals(new ManifestHead(1, nameOf(m)), target.manifestHead());
        assertEquals(java.util.Map.of(nameOf(a), 1000L), target.sizes(PartnerTarget.Kind.PACK));
        assertEquals(java.util.Map.of(nameOf(m), (long) m.length), target.sizes(PartnerTarget.Kind.MANIFEST));
        assertEquals(java.util.Map.of(), target.sizes(PartnerTarget.Kind.SNAPSHOT));
    }

    @Test
    void aDifferentObjectUnderAnExistingNameIsRefused() throws IOException {
        byte[] cfg = ("pactfs-partner-copy\nformat=1\nrepo_id=" + repoId + "\nextra=1\n").getBytes(StandardCharsets.US_ASCII);
        IOException e = assertThrows(IOException.class, () -> target.save(PartnerTarget.Kind.CONFIG, "config", cfg));
        assertTrue(e.getMessage().contains("HTTP 409"), e.getMessage());
    }

    @Test
    void aHostWithAnotherKeyIsNotTalkedTo() throws IOException {
        try (PartnerTarget t = ServeTarget.open(hostPort, "0".repeat(64), ME, repoId)) {
            IOException e = assertThrows(IOException.class, () -> t.list(PartnerTarget.Kind.PACK));
            assertTrue(e instanceof PartnerUnavailableException && e.getMessage().contains("is not the paired key"),
                    e.toString());
        }
    }

    @Test
    void anUnpairedKeyIsRefused() throws IOException {
        try (PartnerTarget t = ServeTarget.open(hostPort, hostPin, TlsIdentity.fromSeed(new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32}), repoId)) {
            IOException e = assertThrows(IOException.class, () -> t.list(PartnerTarget.Kind.PACK));
            assertTrue(e.getMessage().contains("HTTP 403"), e.getMessage());
        }
    }

    /** The host hashes the range under the nonce itself; absent objects, ranges past the end and huge ranges fail. */
    @Test
    void aChallengeIsAnsweredWithTheHashOfNonceAndRange() throws IOException {
        byte[] a = bytes(5000, 21);
        target.save(PartnerTarget.Kind.PACK, nameOf(a), a);
        byte[] nonce = bytes(Challenge.NONCE_BYTES, 22);
        byte[] answer = target.challenge(PartnerTarget.Kind.PACK, nameOf(a), 100, 900, nonce);
        assertArrayEquals(Challenge.answer(nonce, java.util.Arrays.copyOfRange(a, 100, 1000)), answer);
        byte[] other = bytes(Challenge.NONCE_BYTES, 23);
        assertTrue(!java.util.Arrays.equals(answer, target.challenge(PartnerTarget.Kind.PACK, nameOf(a), 100, 900, other)),
                "another nonce, another answer");
        assertArrayEquals(Challenge.answer(nonce, a), target.challenge(PartnerTarget.Kind.PACK, nameOf(a), 0, 5000, nonce));
        assertThrows(java.io.EOFException.class, () -> target.challenge(PartnerTarget.Kind.PACK, nameOf(a), 4500, 501, nonce));
        byte[] absent = bytes(100, 24);
        IOException e = assertThrows(IOException.class, () -> target.challenge(PartnerTarget.Kind.PACK, nameOf(absent), 0, 10, nonce));
        assertTrue(PartnerTarget.isNotFound(e), e.toString());
        IOException big = assertThrows(IOException.class,
                () -> target.challenge(PartnerTarget.Kind.PACK, nameOf(a), 0, Challenge.MAX_LENGTH + 1, nonce));
        assertTrue(big.getMessage().contains("HTTP 400"), big.getMessage());
    }
}
