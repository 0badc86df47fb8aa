package dev.pactfs.snapshot;

import static dev.pactfs.snapshot.SnapshotServiceTest.n;
import static dev.pactfs.snapshot.SnapshotServiceTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot entry named like the restore's resume marker (".pactfs-restore-in-progress", at the top) is restored
 * after the marker is gone; the --include and --exclude filters decide on it like on any other entry.
 */
@Timeout(60)
class RestoreMarkerFilterTest {

    private static final String MARKER = ".pactfs-restore-in-progress";

    @TempDir
    Path tmp;

    @Test
    void anEntryNamedLikeTheMarkerObeysTheFilters() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            write(repo.fs, PactFs.ROOT, "a.txt", n("kept"));
            write(repo.fs, PactFs.ROOT, MARKER, n("a user's file of that name"));
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, repo.fs).record();

            Restorer excluded = new Restorer(repo.store, snaps.trees(), null)
                    .filter(new RestoreFilter(List.of(), List.of(PathPattern.parse("/" + MARKER))));
            excluded.restore(s, "", tmp.resolve("ex"));
            assertEquals("kept", Files.readString(tmp.resolve("ex/a.txt")));
            assertFalse(Files.exists(tmp.resolve("ex/" + MARKER)), "--exclude left it out");
            assertEquals(1, excluded.filteredOut());

            Restorer included = new Restorer(repo.store, snaps.trees(), null)
                    .filter(new RestoreFilter(List.of(PathPattern.parse("/a.txt")), List.of()));
            included.restore(s, "", tmp.resolve("in"));
            assertTrue(Files.exists(tmp.resolve("in/a.txt")));
            assertFalse(Files.exists(tmp.resolve("in/" + MARKER)), "--include of another file leaves it out");

            new Restorer(repo.store, snaps.trees(), null)
                    .filter(new RestoreFilter(List.of(PathPattern.parse("/" + MARKER)), List.of()))
                    .restore(s, "", tmp.resolve("only"));
            assertEquals("a user's file of that name", Files.readString(tmp.resolve("only/" + MARKER)));
            assertFalse(Files.exists(tmp.resolve("only/a.txt")));
        }
    }
}
