package dev.pactfs.cli;

import static dev.pactfs.cli.RestoreCliTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.snapshot.SnapshotService;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pactfs restore} run as an ordinary user (nobody, through setpriv) does what GNU tar does for one: root's
 * setuid file comes back owned by the user without its setuid bit, the user's own setuid bit stays, the device
 * node is skipped, and the summary counts what was dropped.
 */
@Timeout(180)
class RestoreAsUserTest {

    static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    @Test
    void anOrdinaryUserGetsNoSetuidRootFilesAndNoDevices() throws Exception {
        Path repo = tmp.resolve("repo");
        Path key = tmp.resolve("k.key");
        ok(CliRun.run("init", "--repo", repo.toString(), "--key-file", key.toString()));
        KeyOptions ko = new KeyOptions();
        ko.keyFile = key;
        try (OpenRepo r = OpenRepo.open(repo, ko); OpenRepo.Fs h = r.openFs()) {
            PactFs fs = h.fs();
            for (String name : List.of("rootsuid", "ownsuid")) {
                PactFs.Created c = fs.create(PactFs.ROOT, name.getBytes(), 04755, PactFs.O_WRONLY, Caller.ROOT);
                fs.write(c.handle(), 0, "#!".getBytes(), 0, 2);
                fs.release(c.handle());
                fs.chown(c.attr().ino(), name.equals("ownsuid") ? NOBODY : 0, name.equals("ownsuid") ? NOBODY : 0);
                fs.chmod(c.attr().ino(), 04755);
            }
            fs.mknod(PactFs.ROOT, "null".getBytes(), 0020666, 0x103, Caller.ROOT);
            fs.chown(PactFs.ROOT, NOBODY, NOBODY);
            new SnapshotService(r.store).create("s1", null, fs);
        }
        // nobody must reach the repo, the key, the program and a place to restore to (a checkout under /root, as
        // on a fresh machine, is closed to nobody: run a copy of the jar)
        Path jar = Files.copy(MountFixture.projectRoot().resolve("target/pactfs.jar"), tmp.resolve("pactfs.jar"));
        new ProcessBuilder("chown", "-R", NOBODY + ":" + NOBODY, tmp.toString()).start().waitFor();
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = tmp.resolve("out");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", java,
                "-Djava.io.tmpdir=" + tmp, "-cp", jar.toString(), "dev.pactfs.cli.Main", "restore", "--repo",
                repo.toString(), "--key-file", key.toString(), "s1", out.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("not root, so dropped: 1 owners, 1 setuid/setgid modes, 1 device nodes"), output);
        assertEquals(NOBODY, Files.getAttribute(out.resolve("rootsuid"), "unix:uid"));
        assertEquals("755", mode(out.resolve("rootsuid")));
        assertEquals("4755", mode(out.resolve("ownsuid")), "the user's own setuid bit stays");
        assertFalse(Files.exists(out.resolve("null"), LinkOption.NOFOLLOW_LINKS));
    }

    private static String mode(Path p) throws Exception {
        return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode") & 07777);
    }
}
