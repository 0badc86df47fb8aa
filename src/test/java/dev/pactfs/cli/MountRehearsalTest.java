package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.chunk.ChunkerParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountRehearsalTest {

    @TempDir
    Path repo;

    static final ChunkerParams PARAMS = new ChunkerParams(64 << 10, 256 << 10, 1 << 20);

    @Test
    void rehearsesAtLeastOneRoundAndLeavesNothingBehind() throws Exception {
        Files.writeString(repo.resolve("config"), "untouched");
        MountRehearsal.Result done = MountRehearsal.run(repo, PARAMS, 60_000);
        assertTrue(done.rounds() >= 1 && done.rounds() <= MountRehearsal.MAX_ROUNDS, "rounds: " + done);
        assertEquals(MountRehearsal.DRILL_PASSES, done.drillPasses(), "a minute is time enough for every pass");
        try (Stream<Path> s = Files.list(repo)) {
            assertEquals(List.of(repo.resolve("config")), s.toList(), "only what was there before");
        }
        assertEquals("untouched", Files.readString(repo.resolve("config")));
    }

    @Test
    void aLeftoverOfACrashedRehearsalIsRemoved() throws Exception {
        Path left = Files.createDirectories(repo.resolve(MountRehearsal.DIR).resolve("packs"));
        Files.writeString(left.resolve("pack-1"), "half a pack");
        MountRehearsal.run(repo, PARAMS, 1);
        assertFalse(Files.exists(repo.resolve(MountRehearsal.DIR)));
    }
}
