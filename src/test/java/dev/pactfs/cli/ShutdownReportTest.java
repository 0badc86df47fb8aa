package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a stopping daemon could not commit reaches `pactfs umount` through mount.status. */
class ShutdownReportTest {

    @TempDir
    Path repo;

    @Test
    void failuresWrittenAtShutdownAreReadBackAndTheFileKeepsItsSize() throws Exception {
        ShutdownReport r = ShutdownReport.start(repo);
        Path file = repo.resolve(ShutdownReport.FILE_NAME);
        assertEquals(ShutdownReport.SIZE, Files.size(file), "allocated in full when the mount starts");
        assertEquals(List.of(), ShutdownReport.failures(repo), "a running mount reports nothing");
        r.problem("committing open files at shutdown failed: no space left on the repo's disk (inode 42)");
        r.problem("closing the repo failed: boom");
        r.finish();
        assertEquals(ShutdownReport.SIZE, Files.size(file), "overwritten in place, no block added");
        assertEquals(List.of("committing open files at shutdown failed: no space left on the repo's disk (inode 42)",
                "closing the repo failed: boom"), ShutdownReport.failures(repo));
    }

    @Test
    void aCleanShutdownAfterAFailedOneReportsNothing() throws Exception {
        ShutdownReport first = ShutdownReport.start(repo);
        first.problem("committing open files at shutdown failed: x");
        first.finish();
        assertTrue(!ShutdownReport.failures(repo).isEmpty());
        ShutdownReport.start(repo).finish();
        assertEquals(List.of(), ShutdownReport.failures(repo));
    }

    @Test
    void noReportMeansNoFailure() throws Exception {
        assertEquals(List.of(), ShutdownReport.failures(repo));
    }
}
