package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.json;
import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code init} without a partner warns; {@code partner set} adds one later and moves it again, and each new copy
 * starts from the full set: a recovery from it alone gives back every snapshot byte for byte.
 */
@Timeout(360) // ~60 s idle; 180 s was not enough at a load of 28
class PartnerSetTest {

    @TempDir
    Path tmp;

    @Test
    void aPartnerAddedOrMovedLaterGetsTheFullSet() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        Sh.Result init = pactfs("init", "--repo", repo, "--key-file", key).ok();
        assertTrue(init.err().contains("pactfs: warning: no --partner: nothing will leave this site; add one later"
                + " with `pactfs partner set --repo " + repo + " DIR`"), init.err());
        Path data = TestData.randomFile(tmp.resolve("data.bin"), 700_000, 7);
        pactfs("put", "--repo", repo, "--key-file", key, data.toString(), "data.bin").ok();
        pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "before").ok();

        Path first = Files.createDirectories(tmp.resolve("partner1"));
        Sh.Result add = pactfs("partner", "set", "--repo", repo, "--key-file", key, first.toString()).ok();
        assertTrue(add.err().startsWith("partner added: " + first.resolve("pactfs-")), add.err());
        pactfs("replicate", "--repo", repo, "--key-file", key, "--once").ok();
        assertRecovers(first, "r1", List.of("before"), data);

        pactfs("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "after").ok();
        Path second = Files.createDirectories(tmp.resolve("partner2"));
        Sh.Result same = pactfs("partner", "set", "--repo", repo, "--key-file", key, first.toString());
        assertEquals(1, same.exit(), same.toString());
        assertEquals("pactfs: " + first + " is the partner already\n", same.err());
        Sh.Result move = pactfs("partner", "set", "--repo", repo, "--key-file", key, second.toString()).ok();
        assertTrue(move.err().startsWith("partner moved from " + first + " to " + second.resolve("pactfs-")), move.err());
        pactfs("replicate", "--repo", repo, "--key-file", key, "--once").ok();
        assertRecovers(second, "r2", List.of("before", "after"), data);
    }

    private void assertRecovers(Path partner, String name, List<String> snapshots, Path data) throws Exception {
        String into = tmp.resolve(name).toString();
        String key = tmp.resolve("k.key").toString();
        pactfs("recover", "--partner", partner.toString(), "--repo", into, "--key-file", key).ok();
        List<String> names = new java.util.ArrayList<>();
        json(pactfs("snapshot", "list", "--repo", into, "--key-file", key, "--json"))
                .forEach(s -> names.add(s.get("name").asText()));
        assertEquals(snapshots, names);
        Path out = tmp.resolve(name + "-restored");
        pactfs("restore", "--repo", into, "--key-file", key, snapshots.get(0), out.toString()).ok();
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(data), Files.readAllBytes(out.resolve("data.bin"))));
    }
}
