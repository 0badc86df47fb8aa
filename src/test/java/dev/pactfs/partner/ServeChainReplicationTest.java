package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.host.HostServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication passes against a real in-process {@code pactfs serve}: a head the host lost in a crash (manifest
 * stored, head not moved) is completed by the next pass, and a head another writer moved ahead stops home from
 * publishing, with one FORK line, the host's head untouched.
 */
@Timeout(90)
class ServeChainReplicationTest {

    @TempDir
    Path tmp;

    @Test
    void aLostHeadMoveIsCompletedAndAHeadAheadIsAForkNeverPublishedOver() throws IOException {
        Path root = tmp.resolve("host");
        String code = HostServer.pair(root, "acme", 1L << 30);
        try (HostServer server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
             PartnerFixture f = PartnerFixture.create(tmp, root.resolve("tenants/acme/data"))) {
            String hostPort = "127.0.0.1:" + server.port();
            String pin = code.split(":")[1];
            ServeTarget.pair(hostPort, pin, f.keys.tlsIdentity(), code.split(":")[2], f.keys.manifestKey().publicKey());
            Path headFile = root.resolve("tenants/acme/heads/pactfs-" + f.repoId);
            try (PartnerTarget host = ServeTarget.open(hostPort, pin, f.keys.tlsIdentity(), f.repoId)) {
                f.snapshot("night-1", PartnerFixture.night(1, 1, 1, 5_000));
                assertEquals(1, f.replicator(host, Replicator.Options.defaults()).runPass().manifestSeq());
                String head1 = Files.readString(headFile);
                f.snapshot("night-2", PartnerFixture.night(2, 2, 1, 5_000));
                assertEquals(2, f.replicator(host, Replicator.Options.defaults()).runPass().manifestSeq());
                String head2 = Files.readString(headFile);
                assertTrue(head2.startsWith("2 "), head2);

                Files.writeString(headFile, head1); // the host stored manifest 2 and crashed before its head moved
                Replicator.PassResult r = f.replicator(host, Replicator.Options.defaults()).runPass();
                assertEquals(java.util.List.of(), r.partnerProblems());
                assertEquals(head2, Files.readString(headFile), "the resend moved the host's head");

                // A second writer with the key publishes manifest 3 at the host; home's next pass must not go on.
                ManifestHead h = host.manifestHead();
                byte[] m3 = TestManifests.build(f.keys, f.keys.manifestKey(), f.repoId, 3, h.name());
                host.save(PartnerTarget.Kind.MANIFEST, TestManifests.nameOf(m3), m3);
                f.snapshot("night-3", PartnerFixture.night(3, 3, 1, 5_000));
                r = f.replicator(host, Replicator.Options.defaults()).runPass();
                assertEquals(0, r.manifestSeq(), "nothing published over the host's head");
                assertEquals(1, r.partnerProblems().stream().filter(p -> p.startsWith("FORK")).count(),
                        r.partnerProblems().toString());
                assertEquals(new ManifestHead(3, TestManifests.nameOf(m3)), host.manifestHead());
            }
        }
    }
}
