package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2's own background writer never runs (it closed the store on a disk another process had filled, decision 0005):
 * a commit stays in H2's memory, and the catalog's flusher writes it to H2's file within a few intervals.
 */
class CatalogFlusherTest {

    @TempDir
    Path tmp;

    @Test
    void aCommitIsWrittenToH2sFileByTheFlusherAndH2sWriterNeverRuns() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        try (Catalog c = Catalog.open(repo, true)) {
            boolean unsavedRightAfterCommit = false;
            for (int i = 0; i < 5 && !unsavedRightAfterCommit; i++) { // a flush may fall between commit and look
                put(c, "k" + i);
                unsavedRightAfterCommit = c.h2Store().hasUnsavedChanges();
            }
            assertTrue(unsavedRightAfterCommit, "a commit must not write H2's file (no chunk per commit)");
            long deadline = System.nanoTime() + 20 * CatalogFlusher.INTERVAL_MS * 1_000_000;
            while (c.h2Store().hasUnsavedChanges() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(c.h2Store().hasUnsavedChanges(), "the flusher wrote the commit to H2's file");
            assertTrue(Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                    .noneMatch(n -> n.startsWith("MVStore background writer")), "H2's background writer is off");
            assertTrue(c.h2Store().getAutoCommitDelay() < 0, "H2 stores nothing at commit either");
        }
    }

    private static void put(Catalog c, String key) throws Exception {
        c.transaction(tx -> {
            try (PreparedStatement ps = tx.connection().prepareStatement("MERGE INTO meta KEY(k) VALUES (?, 'v')")) {
                ps.setString(1, key);
                ps.executeUpdate();
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException(e);
            }
            return null;
        });
    }
}
