package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's edges that a kill test rarely reaches: a transaction too large for a record (it commits without
 * one and is checkpointed, and its statements are not kept in memory), and a gap in the records' numbers (a
 * transaction in neither the journal nor H2's file), which must stop the catalog from opening rather than replay
 * the later records onto a state that lacks it.
 */
class CatalogJournalEdgesTest {

    @TempDir
    Path tmp;

    @Test
    void aTransactionLargerThanARecordCommitsWithoutOneAndSurvivesAReopen() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        String value = "v".repeat(1000);
        int rows = 6000; // ~6 MB of statements: past the 4 MiB a record holds
        try (Catalog c = Catalog.open(repo, true)) {
            c.transaction(tx -> {
                try (PreparedStatement ps = tx.connection().prepareStatement("MERGE INTO meta KEY(k) VALUES (?, ?)")) {
                    for (int i = 0; i < rows; i++) {
                        ps.setString(1, "big" + i);
                        ps.setString(2, value);
                        ps.executeUpdate();
                    }
                } catch (java.sql.SQLException e) {
                    throw new java.io.IOException(e);
                }
                return null;
            });
            assertTrue(Files.size(repo.resolve(CatalogJournal.FILE_NAME)) < CatalogJournal.MAX_PAYLOAD,
                    "the large transaction went to H2's file, not to the journal");
            c.transaction(tx -> {
                try (PreparedStatement ps = tx.connection().prepareStatement("MERGE INTO meta KEY(k) VALUES ('after', 'x')")) {
                    ps.executeUpdate();
                } catch (java.sql.SQLException e) {
                    throw new java.io.IOException(e);
                }
                return null;
            });
        }
        try (Catalog c = Catalog.open(repo, false)) {
            assertEquals(rows + 1, count(c, "SELECT COUNT(*) FROM meta WHERE k LIKE 'big%' OR k = 'after'"));
        }
    }

    @Test
    void aGapInTheRecordsNumbersStopsTheCatalogFromOpeningWithOneLine() throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        long applied;
        try (Catalog c = Catalog.open(repo, true)) {
            applied = count(c, "SELECT CAST(v AS BIGINT) FROM meta WHERE k = '" + Catalog.APPLIED_SEQ_KEY + "'");
        }
        byte[] empty = {0, 0, 0, 0}; // a record of no statements
        Path gap = tmp.resolve("gap");
        Files.createDirectories(gap);
        for (Path p : Files.list(repo).toList()) {
            Files.copy(p, gap.resolve(p.getFileName()));
        }
        try (CatalogJournal j = CatalogJournal.open(repo)) {
            j.append(applied + 1, empty);
            j.append(applied + 2, empty);
        }
        try (Catalog c = Catalog.open(repo, false)) {
            assertEquals(applied + 2, count(c, "SELECT CAST(v AS BIGINT) FROM meta WHERE k = '" + Catalog.APPLIED_SEQ_KEY + "'"),
                    "records that follow on are replayed");
        }
        try (CatalogJournal j = CatalogJournal.open(gap)) {
            j.append(applied + 1, empty);
            j.append(applied + 3, empty); // applied + 2 is nowhere
        }
        StoreException e = assertThrows(StoreException.class, () -> Catalog.open(gap, false).close());
        assertTrue(e.getMessage().contains("record " + (applied + 3)) && e.getMessage().contains("follows transaction "
                + (applied + 1)) && !e.getMessage().contains("\n"), e.getMessage());
    }

    private static long count(Catalog c, String sql) throws Exception {
        return c.transaction(tx -> {
            try (PreparedStatement ps = tx.connection().prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException(e);
            }
        });
    }
}
