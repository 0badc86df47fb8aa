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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under systemd (a mount unit made from fstab) the daemon's output goes to the journal, not to REPO/mount.log. The
 * journal is stood in for by a socket that perl makes the command's stderr, named in JOURNAL_STREAM as systemd does.
 */
@Tag("mount")
class JournalMountTest {
    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void withStderrOnTheJournalTheDaemonWritesNoMountLog() throws Exception {
        fx.init();
        // Perl, not Python: perl-base is Essential in Debian, so a fresh root (CI) has it and python3 it lacks.
        Path script = fx.base().resolve("journal.pl");
        Files.writeString(script, String.join("\n",
                "use strict; use warnings; use Socket;",
                "socketpair(my $ours, my $theirs, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die \"socketpair: $!\";",
                "my @st = stat($theirs);",
                "$ENV{JOURNAL_STREAM} = \"$st[0]:$st[1]\";",
                "my $pid = fork() // die \"fork: $!\";",
                "if ($pid == 0) {",
                "    close $ours;",
                "    open(STDIN, '<', '/dev/null'); open(STDOUT, '>&', $theirs); open(STDERR, '>&', $theirs);",
                "    exec @ARGV or die \"exec: $!\";",
                "}",
                "close $theirs;",
                "alarm 120;",
                "my $data = '';",
                "while (sysread($ours, my $buf, 65536)) { $data .= $buf; }",
                "waitpid($pid, 0);",
                "print $data;",
                "exit($? >> 8);", ""));
        // a mount libfuse refuses: the daemon's own lines (its progress, libfuse's reason) must reach the socket
        Sh.Result r = Sh.run(null, MountFixture.env(), Duration.ofMinutes(3), List.of("perl", script.toString(),
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
