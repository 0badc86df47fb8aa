package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Replication in the mount daemon: a repo initialised with a partner, mounted, written through the mount; then
 * {@code pactfs replicate} and {@code pactfs status} given only {@code --repo} run inside the daemon (control
 * socket), so status reports the daemon's live replicator; the host's scrub of the copy is clean.
 */
@Tag("mount")
class PartnerDaemonMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void theMountDaemonReplicatesAndStatusReportsItsLiveState() throws Exception {
        Path partner = fx.initWithPartner().getParent();
        fx.mount();
        fx.inMount("head -c 3000000 /dev/urandom > night-1.bin && seq 1 200000 > dump.sql && sync").ok();
        Sh.Result rep = fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();
        assertTrue(rep.out().contains("replicated"), rep.toString());
        Sh.Result st = fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(), "--json").ok();
        assertTrue(st.out().contains("\"daemon\":true"), st.toString());
        assertTrue(st.out().contains("\"pending_blobs\":0,") && st.out().contains("\"last_error\":null"), st.toString());
        fx.unmount();
        Sh.Result scrub = fx.pactfs(Duration.ofMinutes(1), "scrub-hosted", partner.toString()).ok();
        assertTrue(scrub.out().contains("all intact"), scrub.toString());
    }
}
