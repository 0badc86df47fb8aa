package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key slots through the launcher: a second passphrase added with the machine key, each passphrase opening the
 * repo, `key list` marking the slot that opened it, a removed slot's passphrase failing in one line, and the last
 * passphrase slot kept unless a machine key proves another way in. Each passphrase opening costs an Argon2 run
 * (64 MiB, seconds on a loaded machine), so the test makes about ten of them and no more.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class KeySlotsCliTest {

    private static final String A = "first admin's passphrase";
    private static final String B = "second admin's passphrase";
    private static final Duration T = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    private Sh.Result pactfs(String passphrase, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(null, Map.of("PACTFS_PASSPHRASE", passphrase), T, argv);
    }

    @Test
    void eachSlotOpensTheRepoUntilRemovedAndTheLastOneStaysUnlessAMachineKeyOpened() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String machine = tmp.resolve("m.key").toString();
        Path bFile = Files.writeString(tmp.resolve("b.txt"), B + "\n");
        Instant before = Instant.now().minusSeconds(2);
        pactfs(A, "init", "--repo", repo, "--key-file", machine).ok();

        // Added with the machine key; the new passphrase from a file.
        String bId = pactfs("unused", "key", "add", "--repo", repo, "--key-file", machine,
                "--new-passphrase-file", bFile.toString()).ok().out().strip();
        assertTrue(bId.matches("[0-9a-f]{8}"), bId);

        // Opened with A: two slots, A's current.
        JsonNode byA = new ObjectMapper().readTree(pactfs(A, "key", "list", "--repo", repo, "--json").ok().out());
        assertEquals("passphrase", byA.get("opened_with").asText());
        assertEquals(2, byA.get("slots").size());
        JsonNode aSlot = byA.get("slots").get(0);
        JsonNode bSlot = byA.get("slots").get(1);
        String aId = aSlot.get("id").asText();
        assertEquals(bId, bSlot.get("id").asText());
        assertTrue(aSlot.get("current").asBoolean());
        assertFalse(bSlot.get("current").asBoolean());
        assertFalse(Instant.parse(bSlot.get("created").asText()).isBefore(before), bSlot.toString());
        assertTrue(byA.get("master_key_copies").asText().contains("new repository"), byA.toString());

        // Opened with B: B's slot is the current one, and the note about the master key's copies is there.
        Sh.Result listB = pactfs(B, "key", "list", "--repo", repo).ok();
        assertTrue(listB.out().contains("* " + bId + "  "), listB.toString());
        assertTrue(listB.out().contains("  " + aId + "  "), listB.toString());
        assertTrue(listB.out().contains("removing a slot does not revoke them"), listB.toString());

        // A removed with B: A fails in one line, B still opens.
        pactfs(B, "key", "remove", "--repo", repo, aId).ok();
        Sh.Result aGone = pactfs(A, "key", "list", "--repo", repo);
        assertEquals(1, aGone.exit(), aGone.toString());
        assertEquals("pactfs: wrong passphrase or key file for repo " + repo + "\n", aGone.err());

        // The last passphrase slot, opened with itself: refused, and it still opens.
        Sh.Result last = pactfs(B, "key", "remove", "--repo", repo, bId);
        assertEquals(1, last.exit(), last.toString());
        assertEquals(1, last.err().lines().count(), last.err());
        assertTrue(last.err().startsWith("pactfs: refusing to remove key slot " + bId), last.err());
        assertTrue(last.err().contains("last passphrase slot"), last.err());
        assertTrue(Files.exists(Path.of(repo, OpenRepo.WRAPPED_KEY)));

        // With the machine key in hand another way in exists: the last slot goes, and the list says so.
        pactfs("unused", "key", "remove", "--repo", repo, bId, "--key-file", machine).ok();
        assertFalse(Files.exists(Path.of(repo, OpenRepo.WRAPPED_KEY)));
        JsonNode none = new ObjectMapper().readTree(
                pactfs("unused", "key", "list", "--repo", repo, "--key-file", machine, "--json").ok().out());
        assertEquals("machine-key", none.get("opened_with").asText());
        assertEquals(0, none.get("slots").size());
    }
}
