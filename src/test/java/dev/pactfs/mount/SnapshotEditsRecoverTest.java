package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.pactfs;
import static dev.pactfs.mount.SnapshotRenameTagMountTest.snapshots;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot rename}, {@code tag} and {@code rm} through the launcher, unmounted, on snapshots already at the
 * partner, then replicated: a recovery from the partner alone finds the renamed snapshot under its new name with its
 * new tags, and neither the removed snapshot nor the old name, although the pass deleted none of their record files
 * (only prune does, decision 0008): the manifest names only the live ones. Few launches: each costs seconds on a
 * loaded machine (rm --dry-run and list --tag: SnapshotRenameTagMountTest).
 */
@Timeout(200)
class SnapshotEditsRecoverTest {

    @TempDir
    Path tmp;

    @Test
    void renamedRetaggedAndRemovedSnapshotsRecoverAsTheyAreNow() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("machine.key").toString();
        Path partner = Files.createDirectories(tmp.resolve("partner"));
        pactfs("init", "--repo", repo, "--key-file", key, "--partner", partner.toString()).ok();
        Path src = Files.writeString(tmp.resolve("a.txt"), "one\n");
        pactfs("put", "--repo", repo, "--key-file", key, src.toString(), "a.txt").ok();
        pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "first", "--tag", "nightly").ok();
        Files.writeString(src, "two\n");
        pactfs("put", "--repo", repo, "--key-file", key, src.toString(), "a.txt").ok();
        for (String name : new String[] {"second", "third"}) {
            pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", name).ok();
        }
        pactfs("replicate", "--repo", repo, "--key-file", key, "--once").ok();
        long published = records(partner);

        pactfs("snapshot", "rename", "--repo", repo, "--key-file", key, "first", "monday").ok();
        pactfs("snapshot", "tag", "--repo", repo, "--key-file", key, "monday", "--add", "keep", "--add", "audit",
                "--remove", "nightly").ok();
        pactfs("snapshot", "rm", "--repo", repo, "--key-file", key, "second").ok();
        Map<String, String> home = Map.of("monday", "keep,audit", "third", "");
        assertEquals(home, snapshots(pactfs("snapshot", "list", "--repo", repo, "--key-file", key, "--json")));
        pactfs("replicate", "--repo", repo, "--key-file", key, "--once").ok();
        assertTrue(records(partner) > published, "the pass published new records and deleted no old one");

        // The partner copy alone: what home has now, nothing removed, no old name.
        Path recovered = tmp.resolve("recovered");
        Sh.Result rec = pactfs("recover", "--partner", partner.toString(), "--repo", recovered.toString(),
                "--key-file", key).ok();
        assertTrue(rec.out().matches("(?s).*ignored \\d+ snapshot records the manifest does not list.*"), rec.out());
        assertEquals(home, snapshots(pactfs("snapshot", "list", "--repo", recovered.toString(), "--key-file", key,
                "--json")));
    }

    /** Snapshot record files at the partner (named by their hash, in a directory "snapshots" of the copy). */
    private static long records(Path partner) throws Exception {
        try (var files = Files.walk(partner)) {
            return files.filter(f -> Files.isRegularFile(f)
                    && f.getParent().getFileName().toString().equals("snapshots")
                    && f.getFileName().toString().matches("[0-9a-f]{64}")).count();
        }
    }
}
