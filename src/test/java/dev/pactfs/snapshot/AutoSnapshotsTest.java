package dev.pactfs.snapshot;

import static dev.pactfs.snapshot.SnapshotServiceTest.n;
import static dev.pactfs.snapshot.SnapshotServiceTest.write;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AutoSnapshotsTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void anIdleSnapshotIsTakenOnceAfterWritesStopAndEveryFileIsClosed() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            SnapshotService s = new SnapshotService(repo.store);
            try (AutoSnapshots auto = new AutoSnapshots(s, repo.catalog, repo.fs, null, Duration.ofMillis(600))) {
                PactFs.Created open = repo.fs.create(PactFs.ROOT, n("open"), 0644, PactFs.O_WRONLY, Caller.ROOT);
                repo.fs.write(open.handle(), 0, n("partial"), 0, 7);
                repo.fs.flush(open.handle());
                Thread.sleep(1500);
                assertEquals(0, s.list().size(), "no snapshot while a file is open");
                repo.fs.release(open.handle());
                write(repo.fs, PactFs.ROOT, "f", n("data"));
                long deadline = System.currentTimeMillis() + 10_000;
                while (s.list().isEmpty() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                assertEquals(1, s.list().size());
                assertEquals(java.util.List.of("idle"), s.list().get(0).tags());
                Thread.sleep(1500);
                assertEquals(1, s.list().size(), "nothing changed since: no second snapshot");
            }
        }
    }
}
