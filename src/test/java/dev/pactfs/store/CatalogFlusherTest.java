package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H2's own background writer never runs (it closed the store on a disk another process had filled, decision 0005):
 * a commit stays in H2's memory, and the catalog's flusher writes it to H2's file within a few intervals, but not
 * while the disk is full.
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
                TestSql.putMeta(c, "k" + i);
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

    /**
     * The catalog on a 16 MiB tmpfs without a space reserve; another writer takes every byte right after a commit.
     * H2's background writer would now fail its write and close the store (the intermittent failure of
     * DiskFullOtherProcessMountTest); the flusher leaves the commit in memory, the store stays open, and the commit
     * reaches H2's file once space is back.
     */
    @Test
    void aFullDiskLeavesTheCommitInMemoryAndTheStoreOpenUntilSpaceIsBack() throws Exception {
        Path small = Files.createDirectory(tmp.resolve("small"));
        sh("mount", "-t", "tmpfs", "-o", "size=16m", "pactfs-test", small.toString());
        try {
            Path repo = Files.createDirectories(small.resolve("repo"));
            Path hog = small.resolve("hog");
            try (Catalog c = Catalog.open(repo, true)) {
                boolean unsavedOnFullDisk = false;
                for (int i = 0; i < 5 && !unsavedOnFullDisk; i++) { // a flush may fall between the commit and the fill
                    Files.deleteIfExists(hog);
                    TestSql.putMeta(c, "full" + i);
                    fill(hog);
                    unsavedOnFullDisk = c.h2Store().hasUnsavedChanges();
                }
                assertTrue(unsavedOnFullDisk, "a commit was left unwritten when the disk filled");
                Thread.sleep(4 * CatalogFlusher.INTERVAL_MS);
                assertFalse(c.h2Store().isClosed(), "H2 must not meet the full disk: " + c.h2Store().getPanicException());
                assertTrue(c.h2Store().hasUnsavedChanges(), "nothing was written to H2's file while the disk was full");
                Files.delete(hog);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (c.h2Store().hasUnsavedChanges() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertFalse(c.h2Store().hasUnsavedChanges(), "the flusher wrote the commit once space was back");
            }
            try (Catalog c = Catalog.open(repo, false)) {
                boolean there = c.transaction(tx -> {
                    try (PreparedStatement ps = tx.connection().prepareStatement("SELECT COUNT(*) FROM meta WHERE k LIKE 'full%'");
                            ResultSet rs = ps.executeQuery()) {
                        return rs.next() && rs.getLong(1) >= 1;
                    } catch (java.sql.SQLException e) {
                        throw new IOException(e);
                    }
                });
                assertTrue(there, "the commit made on the full disk is there after a reopen");
            }
        } finally {
            sh("umount", small.toString());
        }
    }

    /** Writes zeros to {@code hog} until the disk is full to the last byte (tmpfs counts 4 KiB pages). */
    private static void fill(Path hog) throws IOException {
        try (FileChannel ch = FileChannel.open(hog, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            for (int size : new int[] {1 << 20, 4096, 1}) {
                ByteBuffer b = ByteBuffer.allocate(size);
                try {
                    while (true) {
                        b.clear();
                        ch.write(b);
                    }
                } catch (IOException e) {
                    if (!String.valueOf(e.getMessage()).contains("No space left")) {
                        throw e;
                    }
                }
            }
        }
    }

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", cmd) + ": " + out);
    }
}
