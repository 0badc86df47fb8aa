package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.json;
import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Retention through the launcher: {@code --dry-run} of forget, forget --prune, prune, gc and snapshot rm deletes
 * nothing and says what would go; {@code forget --keep-within} keeps by age with its reason; {@code forget --prune}
 * frees in one step, through the mount daemon (mounted) and in this process (unmounted).
 */
@Timeout(200)
class RetentionMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();


    static List<String> names(JsonNode arr) {
        List<String> out = new ArrayList<>();
        arr.forEach(n -> out.add(n.has("name") ? n.get("name").asText() : n.asText()));
        return out;
    }

    @Test
    void dryRunsDeleteNothingAndForgetPruneFreesInOneStep() throws Exception {
        String repo = fx.repo().toString();
        String key = fx.base().resolve("machine.key").toString();
        pactfs("init", "--repo", repo, "--key-file", key).ok();
        pactfs("mount", "--repo", repo, "--key-file", key, "--warm-up=0", fx.mnt().toString()).ok();
        for (String s : List.of("s1", "s2", "s3")) {
            TestData.randomFile(fx.mnt().resolve(s + ".bin"), 300_000, s.hashCode());
            pactfs("snapshot", "create", "--repo", repo, "--name", s).ok();
            Files.delete(fx.mnt().resolve(s + ".bin"));
        }
        pactfs("snapshot", "create", "--repo", repo, "--name", "s4", "--tag", "keep").ok(); // an empty tree

        // --keep-within counts back from the newest snapshot: all four are within an hour of s4.
        JsonNode within = json(pactfs("forget", "--repo", repo, "--keep-within", "1h", "--dry-run", "--json"));
        assertEquals(List.of("s4", "s3", "s2", "s1"), names(within.get("keep")));
        assertEquals("within 1h", within.get("keep").get(3).get("reasons").get(0).asText());
        Sh.Result badSpan = pactfs("forget", "--repo", repo, "--keep-within", "3 days");
        assertEquals(1, badSpan.exit(), badSpan.toString());
        assertEquals(List.of("pactfs: invalid duration '3 days': use e.g. 7d, 2h, 1y6m or 1y5m7d2h"),
                MountFixture.withoutProgress(badSpan.err()));

        // Every dry run: what would go, and nothing goes.
        JsonNode dry = json(pactfs("forget", "--repo", repo, "--keep-last", "1", "--keep-tag", "keep", "--prune",
                "--dry-run", "--json"));
        assertEquals(List.of("s4"), names(dry.get("keep")));
        assertEquals(List.of("tag keep", "last"), names(dry.get("keep").get(0).get("reasons")));
        assertEquals(List.of("s3", "s2", "s1"), names(dry.get("remove")));
        long wouldFree = dry.get("prune").get("freed_bytes").asLong();
        assertTrue(wouldFree > 3 * 300_000 * 9 / 10, dry.toString()); // three files of random bytes, not compressible
        assertEquals("would remove s1\n", pactfs("snapshot", "rm", "--repo", repo, "--dry-run", "s1").ok().out());
        assertEquals(0, json(pactfs("prune", "--repo", repo, "--dry-run", "--json")).get("freed_blobs").asLong());
        assertTrue(pactfs("gc", "--repo", repo, "--dry-run").ok().out().startsWith("would free 0 blobs"));
        assertEquals(List.of("s1", "s2", "s3", "s4"), names(json(pactfs("snapshot", "list", "--repo", repo, "--json"))));
        assertEquals(300_000, Files.size(fx.mnt().resolve(".snapshots/s1/s1.bin")));

        // Mounted: forget --prune through the daemon frees what the dry run announced.
        JsonNode done = json(pactfs("forget", "--repo", repo, "--keep-last", "3", "--prune", "--json"));
        assertEquals(List.of("s1"), names(done.get("remove")));
        assertTrue(done.get("prune").get("freed_bytes").asLong() >= 300_000 * 9 / 10, done.toString());
        pactfs("umount", fx.mnt().toString()).ok();

        // Unmounted, in this process: the rest, then nothing more to free.
        Sh.Result text = pactfs("forget", "--repo", repo, "--key-file", key, "--keep-last", "1", "--prune");
        assertTrue(text.ok().out().contains("remove s3\nremove s2\n1 kept, 2 removed\nfreed "), text.out());
        assertEquals(List.of("s4"), names(json(pactfs("snapshot", "list", "--repo", repo, "--key-file", key, "--json"))));
        assertEquals(0, json(pactfs("prune", "--repo", repo, "--key-file", key, "--dry-run", "--json"))
                .get("freed_blobs").asLong());
    }
}
