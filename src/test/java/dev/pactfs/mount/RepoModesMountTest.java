package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nothing in a repo is open to group or others: a fresh one (init, a mount with writes and an overwrite held
 * open, a snapshot, a umount) and one recovered from the partner copy. The daemon runs with the usual umask
 * (022), which would make every file H2, FileChannel or ProcessBuilder create 0644 on its own.
 */
@Tag("mount")
class RepoModesMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void everyEntryOfAFreshAndOfARecoveredRepoIsOwnerOnly() throws Exception {
        Path partner = fx.initWithPartner().getParent();
        assertOwnerOnly(fx.repo(), "after init");
        fx.mount();
        fx.inMount("mkdir -p d/e && head -c 3000000 /dev/urandom > d/e/night-1.bin && seq 1 200000 > dump.sql"
                + " && ln -s dump.sql link && sync").ok();
        // An overwrite in the middle of a committed file, held open: its bytes wait in an overlay, a temp file in
        // <repo>/tmp (created 0600, then unlinked while open), and the daemon's control socket and pid file exist.
        try (FileChannel ch = FileChannel.open(fx.mnt().resolve("d/e/night-1.bin"), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[70_000]), 1_000_000);
            assertOwnerOnly(fx.repo(), "while mounted, a file open for writing");
        }
        fx.pactfs(Duration.ofMinutes(2), "snapshot", "create", "--repo", fx.repo().toString(), "--tag", "nightly").ok();
        fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();
        fx.unmount();
        assertOwnerOnly(fx.repo(), "after mount, writes, snapshot, umount");

        // Recovered with the recovery code from a file and its own passphrase (PACTFS_PASSPHRASE of the fixture).
        Path paper = fx.base().resolve("paper.txt");
        Sh.Result code = fx.pactfs(Duration.ofMinutes(1), "key", "export", "--paper", "--repo", fx.repo().toString()).ok();
        PrivateFiles.writeNew(paper, code.out());
        Path recovered = fx.base().resolve("recovered");
        Sh.Result rec = fx.pactfs(Duration.ofMinutes(3), "recover", "--partner", partner.toString(), "--repo",
                recovered.toString(), "--paper-key-file", paper.toString()).ok();
        assertTrue(!rec.err().contains("warning"), rec.toString());
        assertOwnerOnly(recovered, "after recover");
        fx.pactfs(Duration.ofMinutes(2), "check", "--repo", recovered.toString()).ok();
        assertOwnerOnly(recovered, "after check of the recovered repo");
    }

    /** Every entry under {@code repo}, the repo itself included, has no group or other bits (symlinks aside). */
    private static void assertOwnerOnly(Path repo, String when) throws IOException {
        List<String> open = new ArrayList<>();
        int[] seen = {0};
        try (Stream<Path> s = Files.walk(repo)) {
            s.forEach(p -> {
                try {
                    if (Files.isSymbolicLink(p)) {
                        return;
                    }
                    seen[0]++;
                    var mode = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                    if (PrivateFiles.opensToOthers(mode)) {
                        open.add(repo.relativize(p) + " " + PosixFilePermissions.toString(mode));
                    }
                } catch (IOException e) {
                    // gone meanwhile (a temp file the daemon removed): nothing to expose
                }
            });
        }
        assertTrue(seen[0] >= 4, "walked only " + seen[0] + " entries of " + repo);
        assertEquals(List.of(), open, "entries of " + repo + " open to group or others " + when);
    }
}
