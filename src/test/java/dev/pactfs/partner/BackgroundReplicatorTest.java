package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class BackgroundReplicatorTest {

    @TempDir
    Path tmp;

    @Test
    void aMissingPartnerShowsInStatusAndReplicationResumesWhenItIsBack() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            f.snapshot("a", PartnerFixture.night(1, 5, 3, 40_000));
            Path config = f.copyDir.resolve("config");
            byte[] saved = Files.readAllBytes(config);
            Files.delete(config);
            Replicator rep = f.replicator(f.target(), 1 << 20);
            try (BackgroundReplicator bg = new BackgroundReplicator(rep, null).start()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (rep.status().lastError() == null || bg.nextRetryMs() == 0) {
                    assertTrue(System.nanoTime() < deadline, "no error reported");
                    Thread.sleep(20);
                }
                ReplicationStatus down = rep.status();
                assertTrue(down.lastError().contains("config is missing"), down.lastError());
                assertTrue(down.pendingBlobs() > 0);
                Files.write(config, saved);
                bg.wake();
                // The error is cleared when the pass ends (after its manifest), a moment after the last record.
                while (rep.status().pendingBlobs() > 0 || rep.status().lastSnapshot() == null
                        || rep.status().lastError() != null) {
                    assertTrue(System.nanoTime() < deadline, "replication did not resume");
                    Thread.sleep(20);
                }
                ReplicationStatus up = rep.status();
                assertNull(up.lastError());
                assertEquals("a", up.lastSnapshot());
                assertEquals(0, up.etaSeconds());
                assertTrue(up.partnerFreeBytes() > 0);
            }
        }
    }
}
