package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A partner that hangs, without FUSE or NFS: the copy's {@code config} is replaced by a FIFO nobody writes, so
 * the replicator's ownership check blocks in open(2) forever, as a read on a hard NFS mount whose server went
 * away does. The mount keeps working, {@code status} and {@code replicate} answer "partner not responding", and
 * {@code pactfs umount} ends the daemon although a thread of it is still blocked on the FIFO.
 */
@Tag("mount")
class HungPartnerMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    // A short name: the daemon's control socket lives under /tmp/pactfs-mt-<name>-*/repo and a unix socket
    // path must fit in 108 bytes.
    void hungPartner() throws Exception {
        Path copy = fx.initWithPartner();
        Files.delete(copy.resolve("config"));
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("mkfifo", copy.resolve("config").toString())).ok();

        try {
            fx.mount("--partner-timeout", "2s");
        } catch (AssertionError e) {
            Path log = fx.repo().resolve("mount.log");
            throw new AssertionError(e.getMessage() + "\n--- mount.log ---\n"
                    + (Files.exists(log) ? Files.readString(log) : "(none)"), e);
        }
        fx.inMount("seq 1 100000 > dump.sql && sync && cmp dump.sql <(seq 1 100000)").ok();

        String err = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            Sh.Result st = fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(), "--json").ok();
            if (st.out().contains("\"last_error\":\"partner not responding")) {
                err = st.out();
                break;
            }
            Thread.sleep(500);
        }
        assertTrue(err != null, "status never said the partner is not responding");
        assertTrue(err.contains("\"daemon\":true") && err.contains("timed out after 2 s"), err);

        // A pass asked for by hand runs in the daemon and fails with the same one line instead of hanging.
        Sh.Result rep = fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once");
        assertEquals(1, rep.exit(), rep.toString());
        assertTrue(rep.err().contains("partner not responding"), rep.toString());

        // Writes go on meanwhile, and unmount completes (the fixture bounds it) with the FIFO still unopened.
        fx.inMount("echo more >> dump.sql").ok();
        fx.unmount();
    }
}
