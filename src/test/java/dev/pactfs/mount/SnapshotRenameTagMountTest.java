package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code snapshot rename}, {@code snapshot tag} and {@code rmdir MNT/.snapshots/NAME} through the launcher, mounted
 * (through the daemon and the kernel), with list --tag and rm --dry-run. Unmounted, and what a recovery from the
 * partner finds: SnapshotEditsRecoverTest (one class took over 90 s on a loaded machine).
 */
@Timeout(240)
class SnapshotRenameTagMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();


    /** Snapshot name to its tags (comma-joined, "" for none), from `snapshot list --json`. */
    static Map<String, String> snapshots(Sh.Result list) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode s : new ObjectMapper().readTree(list.ok().out())) {
            List<String> tags = new ArrayList<>();
            s.get("tags").forEach(t -> tags.add(t.asText()));
            out.put(s.get("name").asText(), String.join(",", tags));
        }
        return out;
    }

    @Test
    void renameTagAndRmdirThroughTheMount() throws Exception {
        String repo = fx.repo().toString();
        String key = fx.base().resolve("machine.key").toString();
        pactfs("init", "--repo", repo, "--key-file", key).ok();
        pactfs("mount", "--repo", repo, "--key-file", key, "--warm-up=0", fx.mnt().toString()).ok();
        Files.writeString(fx.mnt().resolve("a.txt"), "one\n");
        pactfs("snapshot", "create", "--repo", repo, "--name", "first", "--tag", "nightly").ok();
        Files.writeString(fx.mnt().resolve("a.txt"), "two\n");
        assertTrue(Files.isDirectory(Files.createDirectory(fx.mnt().resolve(".snapshots/second"))));
        Sh.Result unchanged = pactfs("snapshot", "create", "--repo", repo, "--name", "third");
        // Nothing changed since "second": its own two listings (root and top) are all it may add.
        assertTrue(unchanged.ok().out().matches("(?s).*stored [0-3] new blobs.*"), unchanged.out());

        // Mounted, through the daemon.
        assertEquals("renamed first to monday\n", pactfs("snapshot", "rename", "--repo", repo, "first", "monday").ok().out());
        assertEquals("monday: tags keep,audit\n", pactfs("snapshot", "tag", "--repo", repo, "monday", "--add", "keep",
                "--add", "audit", "--remove", "nightly").ok().out());
        Sh.Result clash = pactfs("snapshot", "rename", "--repo", repo, "monday", "second");
        assertEquals(1, clash.exit(), clash.toString());
        assertEquals(List.of("pactfs: a snapshot named 'second' exists already"), MountFixture.withoutProgress(clash.err()));
        assertEquals("two\n", Files.readString(fx.mnt().resolve(".snapshots/second/a.txt")));
        assertTrue(Files.isDirectory(fx.mnt().resolve(".snapshots/monday")));
        assertFalse(Files.exists(fx.mnt().resolve(".snapshots/first")));
        assertEquals("one\n", Files.readString(fx.mnt().resolve(".snapshots/monday/a.txt")));
        // rmdir inside a snapshot stays EROFS; rmdir of the snapshot itself removes it.
        Files.createDirectory(fx.mnt().resolve("d"));
        pactfs("snapshot", "create", "--repo", repo, "--name", "withdir").ok();
        Sh.Result inside = fx.inMount("rmdir .snapshots/withdir/d 2>&1 || true");
        assertTrue(inside.out().contains("Read-only file system"), inside.toString());
        fx.inMount("rmdir .snapshots/second").ok();
        assertFalse(Files.exists(fx.mnt().resolve(".snapshots/second")));
        Sh.Result twice = fx.inMount("rmdir .snapshots/second 2>&1 || true");
        assertTrue(twice.out().contains("No such file or directory"), twice.toString());
        assertEquals(Map.of("monday", "keep,audit", "third", "", "withdir", ""),
                snapshots(pactfs("snapshot", "list", "--repo", repo, "--json")));
        assertEquals(Map.of("monday", "keep,audit"),
                snapshots(pactfs("snapshot", "list", "--repo", repo, "--json", "--tag", "audit")));
        assertEquals("would remove third\n", pactfs("snapshot", "rm", "--repo", repo, "--dry-run", "third").ok().out());
        assertTrue(Files.isDirectory(fx.mnt().resolve(".snapshots/third")), "a dry run removes nothing");
        pactfs("umount", fx.mnt().toString()).ok();
    }
}
