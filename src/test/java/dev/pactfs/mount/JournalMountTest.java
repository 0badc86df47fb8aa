package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under systemd (a mount unit made from fstab) the daemon's output goes to the journal, not to REPO/mount.log. The
 * journal is stood in for by a socket that python3 makes the command's stderr, named in JOURNAL_STREAM as systemd does.
 */
@Tag("mount")
class JournalMountTest {
    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void withStderrOnTheJournalTheDaemonWritesNoMountLog() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 stands in for the journal");
        fx.init();
        Path script = fx.base().resolve("journal.py");
        Files.writeString(script, String.join("\n",
                "import os, socket, subprocess, sys",
                "ours, theirs = socket.socketpair()",
                "st = os.fstat(theirs.fileno())",
                "env = dict(os.environ, JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino))",
                "p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=theirs, stderr=theirs, env=env)",
                "theirs.close()",
                "p.wait()",
                "ours.settimeout(60)",
                "data = b''",
                "while True:",
                "    chunk = ours.recv(65536)",
                "    if not chunk: break",
                "    data += chunk",
                "sys.stdout.write(data.decode('utf-8', 'replace'))",
                "sys.exit(p.returncode)", ""));
        // a mount libfuse refuses: the daemon's own lines (its progress, libfuse's reason) must reach the socket
        Sh.Result r = Sh.run(null, MountFixture.env(), Duration.ofMinutes(3), List.of("python3", script.toString(),
                MountFixture.launcher().toString(), "mount", "--warm-up=0", "--repo", fx.repo().toString(),
                "-o", "no_such_fuse_option", fx.mnt().toString()));
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.out().contains("pactfs mount: mounting at " + fx.mnt()), "the daemon's progress in the journal: " + r);
        assertTrue(r.out().contains("fuse: unknown option"), "libfuse's line in the journal: " + r);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pactfs: ") && l.contains("exited with status")), r.toString());
        assertFalse(Files.exists(fx.repo().resolve("mount.log")), "no mount.log under the journal");
        assertFalse(MountFixture.isMounted(fx.mnt()));
    }
}
