package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, point 3, through a real mount: a user writes a 3-byte file {@code 02 01 00} (the type code of a tree
 * followed by an empty directory's listing) and makes an empty directory. Under format 1 the snapshot's tree of the
 * empty directory got the file chunk's id and dedup handed back the chunk: restore failed, {@code ls} of the
 * directory in {@code .snapshots} gave EIO, and {@code check} said ok. Now ids are keyed per kind.
 */
@Tag("mount")
class KindIdsMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    private static final String POPULATE = """
            printf '\\x02\\x01\\x00' > poison
            mkdir emptydir
            mkdir -p full/sub && printf 'x' > full/sub/f && printf '\\x01\\x00' > full/listing-bytes
            """;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aFileWithATreesBytesDoesNotPoisonTheSnapshotOfAnEmptyDirectory() {
        fx.both(POPULATE);
        assertEquals("02 01 00", fx.inMount("od -An -tx1 poison").ok().out().trim().replaceAll("\\s+", " "));
        String repo = fx.repo().toString();
        fx.pactfs(MountFixture.CMD_TIMEOUT, "snapshot", "create", "--repo", repo, "--name", "s1").ok();

        // Browsing: the empty directory lists (empty), the poison file reads back as written.
        Sh.Result ls = fx.inMount("ls -A .snapshots/s1/emptydir && cmp poison .snapshots/s1/poison"
                + " && ls -A .snapshots/s1").ok();
        assertEquals("emptydir\nfull\npoison", ls.out().trim());

        // Restore is byte-exact (content, modes, owners, xattrs; directory mtimes too: restore sets them).
        Path restored = fx.base().resolve("restored");
        fx.pactfs(MountFixture.CMD_TIMEOUT, "restore", "--repo", repo, "s1", restored.toString()).ok();
        TreeManifest.assertSame(TreeManifest.of(fx.plain()).without("."), TreeManifest.of(restored).without("."),
                TreeManifest.except(TreeManifest.Field.INO, TreeManifest.Field.MTIME));
        TreeManifest.assertSame(TreeManifest.of(fx.mnt()).without(".").without(".snapshots"),
                TreeManifest.of(restored).without("."), TreeManifest.except(TreeManifest.Field.INO));

        fx.unmount();
        Sh.Result check = fx.pactfs(Duration.ofMinutes(2), "check", "--read-data", "--repo", repo).ok();
        assertTrue(check.out().startsWith("ok: "), check.toString());
        // The same snapshot restores without the daemon too.
        fx.pactfs(MountFixture.CMD_TIMEOUT, "restore", "--repo", repo, "s1", fx.base().resolve("restored2").toString()).ok();
        fx.in(fx.base(), "cmp plain/poison restored2/poison && [ -d restored2/emptydir ]"
                + " && [ -z \"$(ls -A restored2/emptydir)\" ]").ok();
    }
}
