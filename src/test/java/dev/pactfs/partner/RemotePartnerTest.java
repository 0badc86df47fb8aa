package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pactfs.cli.CliRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import java.util.Map;
import java.util.concurrent.ExecutionException;

import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partner as a real mount: a bind mount that goes away mid-replication and comes back, and an SSHFS mount
 * over loopback (sshd on a high port with a throw-away host key and client key). Needs root, mount(8), and for
 * SSHFS Debian's openssh-server and sshfs. Everything mounted is unmounted in finally, with timeouts.
 */
@Timeout(300)
class RemotePartnerTest {

    @TempDir
    Path tmp;

    static int sh(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    static String shOut(long timeoutSeconds, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8);
    }

    static boolean mounted(Path dir) throws IOException {
        return Files.readString(Path.of("/proc/mounts")).contains(" " + dir.toAbsolutePath() + " ");
    }

    static void unmount(Path dir) throws IOException, InterruptedException {
        for (int i = 0; i < 5 && mounted(dir); i++) {
            if (sh(30, "umount", dir.toString()) != 0) {
                sh(30, "umount", "-l", dir.toString());
            }
        }
    }

    static boolean canBindMount(Path tmp) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        Path a = Files.createDirectories(tmp.resolve("probe-a"));
        Path b = Files.createDirectories(tmp.resolve("probe-b"));
        boolean ok = sh(10, "mount", "--bind", a.toString(), b.toString()) == 0;
        unmount(b);
        return ok;
    }

    @Test
    void aPartnerThatDisappearsMidReplicationGetsNothingAndTheCopyEndsCompleteWhenItReturns() throws Exception {
        assumeTrue(canBindMount(tmp), "needs root and bind mounts");
        Path hosted = Files.createDirectories(tmp.resolve("hosted"));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try {
            assertEquals(0, sh(10, "mount", "--bind", hosted.toString(), mnt.toString()));
            PartnerFixture f = PartnerFixture.create(tmp, mnt);
            Map<String, Map<String, byte[]>> all;
            try {
                for (int n = 1; n <= 2; n++) {
                    f.snapshot("night-" + n, PartnerFixture.night(n, 300 + n, 6, 400_000));
                }
                Replicator slow = f.replicator(PartnerTargets.rateLimited(f.target(), 2_000_000), 200_000);
                FutureTask<Replicator.PassResult> pass = new FutureTask<>(slow::runPass);
                Thread t = new Thread(pass, "replication-under-test");
                t.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (PartnerCliTest.countPacks(f.copyDir) < 2) {
                    assertTrue(System.nanoTime() < deadline && !pass.isDone(), "replication did not start");
                    Thread.sleep(20);
                }
                // The share goes away: what remains at the path is the empty mountpoint directory.
                assertEquals(0, sh(30, "umount", "-l", mnt.toString()));
                ExecutionException e = assertThrows(ExecutionException.class, () -> pass.get(120, TimeUnit.SECONDS));
                assertTrue(e.getCause() instanceof PartnerUnavailableException, e.getCause().toString());
                try (Stream<Path> s = Files.list(mnt)) {
                    assertEquals(0, s.count(), "something was written into the bare mountpoint");
                }
                // While it is gone, passes keep failing with a clear line and write nothing.
                PartnerUnavailableException again = assertThrows(PartnerUnavailableException.class,
                        () -> f.replicator(f.target(), 200_000).runPass());
                assertTrue(again.getMessage().contains("is missing (is the partner share mounted?)"), again.getMessage());
                try (Stream<Path> s = Files.list(mnt)) {
                    assertEquals(0, s.count());
                }
                // It comes back: the next pass finishes the copy.
                assertEquals(0, sh(10, "mount", "--bind", hosted.toString(), mnt.toString()));
                Replicator.PassResult done = f.replicator(f.target(), 200_000).runPass();
                assertEquals(2, done.snapshots());
                assertEquals(0, f.s.catalog.transaction(dev.pactfs.store.PartnerCatalog::pendingTotals)[0]);
            } finally {
                f.close();
            }
            HostedScrub.Result scrub = HostedScrub.scrub(hosted, l -> { });
            assertTrue(scrub.clean(), scrub.problems().toString());
            try (Stream<Path> s = Files.walk(hosted)) {
                assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count());
            }
            Path key = f.writeKeyFile(tmp.resolve("k.key"));
            Path r = tmp.resolve("recovered");
            CliRun.Result rec = CliRun.run("recover", "--partner", hosted.toString(), "--repo", r.toString(), "--key-file", key.toString());
            assertEquals(0, rec.exit(), rec.toString());
        } finally {
            unmount(mnt);
        }
    }

    /** The skip message when sshfs is absent: on bookworm sshfs needs fuse3, which Breaks an installed fuse 2. */
    static String whySshfsIsMissing() {
        String fuse2;
        try {
            fuse2 = shOut(10, "dpkg-query", "-W", "-f=${Status}", "fuse");
        } catch (IOException | InterruptedException e) {
            fuse2 = "";
        }
        return fuse2.contains("install ok installed")
                ? "sshfs not installed (setup-debian.sh keeps the installed fuse 2 and leaves sshfs out: sshfs needs fuse3, which Breaks fuse)"
                : "sshfs not installed: run mount-scripts/setup-debian.sh";
    }

    @Test
    void replicationAndRecoveryWorkThroughAnSshfsMountOverLoopback() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/fuse")),
                "needs root and /dev/fuse");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/sshfs")), RemotePartnerTest::whySshfsIsMissing);
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sshd")), "openssh-server (sshd) not installed: run mount-scripts/setup-debian.sh");
        Path ssh = Files.createDirectories(tmp.resolve("ssh"));
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        Path hosted = Files.createDirectories(tmp.resolve("hosted"));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        assertEquals(0, sh(60, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("host_key").toString()));
        assertEquals(0, sh(60, "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh.resolve("client_key").toString()));
        Files.copy(ssh.resolve("client_key.pub"), ssh.resolve("authorized_keys"));
        int port = 20000 + (int) (ProcessHandle.current().pid() % 20000);
        Files.writeString(ssh.resolve("sshd_config"), String.join("\n",
                "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + ssh.resolve("host_key"),
                "AuthorizedKeysFile " + ssh.resolve("authorized_keys"), "PermitRootLogin prohibit-password",
                "PasswordAuthentication no", "StrictModes no", "UsePAM no", "PidFile " + ssh.resolve("sshd.pid"),
                "Subsystem sftp internal-sftp", "") );
        Files.createDirectories(Path.of("/run/sshd"));
        Process sshd = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", ssh.resolve("sshd_config").toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("sshd.log").toFile()).start();
        try {
            boolean up = false;
            for (int i = 0; i < 100 && !up; i++) {
                Thread.sleep(100);
                up = sh(20, "sshfs", "-p", Integer.toString(port), "-o", "IdentityFile=" + ssh.resolve("client_key")
                        + ",StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes",
                        "root@127.0.0.1:" + hosted, mnt.toString()) == 0;
            }
            assertTrue(up, () -> "sshfs did not mount; sshd log: " + read(tmp.resolve("sshd.log")));
            assertTrue(shOut(10, "cat", "/proc/mounts").contains(" " + mnt + " fuse.sshfs "));
            PartnerFixture f = PartnerFixture.create(tmp, mnt);
            Map<String, byte[]> files = PartnerFixture.night(1, 77, 4, 200_000);
            try {
                f.snapshot("over-ssh", files);
                Replicator.PassResult p = f.replicator(f.target(), 256 * 1024).runPass();
                assertTrue(p.packs() >= 2 && p.snapshots() == 1, p.toString());
            } finally {
                f.close();
            }
            // The host checks its side without keys, on its own disk.
            HostedScrub.Result scrub = HostedScrub.scrub(hosted, l -> { });
            assertTrue(scrub.clean(), scrub.problems().toString());
            Path key = f.writeKeyFile(tmp.resolve("k.key"));
            Path r = tmp.resolve("recovered");
            CliRun.Result rec = CliRun.run("recover", "--partner", mnt.toString(), "--repo", r.toString(), "--key-file", key.toString());
            assertEquals(0, rec.exit(), rec.toString());
            PartnerCliTest.assertRecovered(f, r, Map.of("over-ssh", files));
        } finally {
            for (int i = 0; i < 5 && mounted(mnt); i++) {
                if (sh(30, "fusermount", "-u", mnt.toString()) != 0) {
                    sh(30, "fusermount", "-u", "-z", mnt.toString());
                }
            }
            sshd.destroy();
            if (!sshd.waitFor(10, TimeUnit.SECONDS)) {
                sshd.destroyForcibly();
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

}
