package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog's statement journal: a child JVM writing through {@link Catalog} is killed with SIGKILL at random
 * points; reopened, the catalog holds every transaction that returned and no half of one; replay is idempotent; a
 * torn last record is ignored; a damaged record is refused with one line.
 */
@Timeout(240)
class CatalogJournalTest {

    static final int THREADS = 2;

    @TempDir
    Path tmp;

    @Test
    void everyTransactionThatReturnedSurvivesAKill() throws Exception {
        Path repo = newRepo();
        SplittableRandom r = new SplittableRandom(42);
        int start = 0;
        for (int round = 0; round < 4; round++) {
            Set<Integer> done = runAndKill(repo, start, 30 + r.nextInt(400), r.nextInt(50));
            Path copy = tmp.resolve("copy" + round);
            copyRepo(repo, copy);
            int max;
            try (Catalog c = Catalog.open(repo, false)) {
                max = check(c, done, "round " + round);
            }
            // replaying the same journal a second time changes nothing: H2 holds its applied sequence number
            Path journal = copy.resolve(CatalogJournal.FILE_NAME);
            byte[] kept = Files.readAllBytes(journal);
            try (Catalog c = Catalog.open(copy, false)) {
                check(c, done, "copy " + round);
            }
            Files.write(journal, kept);
            try (Catalog c = Catalog.open(copy, false)) {
                assertEquals(max, check(c, done, "copy " + round + " replayed twice"));
            }
            start = max + 1 + THREADS;
        }
    }

    @Test
    void aTornLastRecordIsIgnoredAndADamagedOneRefused() throws Exception {
        Path repo = newRepo();
        Set<Integer> done = runAndKill(repo, 0, 200, 0);
        Path journal = repo.resolve(CatalogJournal.FILE_NAME);
        List<CatalogJournal.Entry> entries;
        try (CatalogJournal j = CatalogJournal.open(repo)) {
            entries = j.read();
        }
        assertTrue(entries.size() >= 3, "records in the journal after the kill: " + entries.size());

        Path damaged = tmp.resolve("damaged");
        copyRepo(repo, damaged);
        try (FileChannel ch = FileChannel.open(damaged.resolve(CatalogJournal.FILE_NAME), StandardOpenOption.WRITE)) {
            long at = entries.get(0).offset() + CatalogJournal.RECORD_HEAD + 2;
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0x5a}), at);
        }
        StoreException e = assertThrows(StoreException.class, () -> Catalog.open(damaged, false).close());
        assertTrue(e.getMessage().contains("is damaged at byte " + entries.get(0).offset())
                && e.getMessage().contains("fails its checksum") && !e.getMessage().contains("\n"), e.getMessage());

        // the last record written again, cut short: as a kill or power loss in the middle of an append leaves it
        CatalogJournal.Entry last = entries.get(entries.size() - 1);
        long size = Files.size(journal);
        byte[] all = Files.readAllBytes(journal);
        byte[] torn = java.util.Arrays.copyOfRange(all, (int) last.offset(), (int) size - 7);
        Files.write(journal, torn, StandardOpenOption.APPEND);
        try (Catalog c = Catalog.open(repo, false)) {
            check(c, done, "torn tail");
        }
        assertEquals(CatalogJournal.HEADER.length, Files.size(journal), "emptied once replayed and checkpointed");
    }

    /** A new catalog with the child's counter row at 0. */
    private Path newRepo() throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo);
        try (Catalog c = Catalog.open(repo, true)) {
            c.transaction(tx -> exec(tx, "MERGE INTO meta KEY(k) VALUES ('count', '0')"));
        }
        return repo;
    }

    /** Starts the child writing from {@code start}, kills it {@code afterMs} after its {@code commits}th commit. */
    private Set<Integer> runAndKill(Path repo, int start, int commits, long afterMs) throws Exception {
        String cp = Path.of("target/pactfs.jar").toAbsolutePath() + ":" + Path.of("target/test-classes").toAbsolutePath();
        Process p = new ProcessBuilder("java", "-Xmx256m", "-cp", cp, Child.class.getName(), repo.toString(),
                Integer.toString(start)).redirectError(tmp.resolve("child.err").toFile()).start();
        Set<Integer> done = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("done ")) {
                        done.add(Integer.parseInt(line.substring(5)));
                    }
                }
            } catch (java.io.IOException ignored) {
                // the child is gone
            }
        });
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.size() < commits && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(p.isAlive(), "child died: " + Files.readString(tmp.resolve("child.err")));
        assertTrue(done.size() >= commits, "the child committed only " + done.size() + " transactions in 60 s");
        Thread.sleep(afterMs);
        p.destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        reader.join(10_000);
        return new HashSet<>(done);
    }

    /**
     * Every transaction reported done is there, and each present is whole: its meta row, its three xattr rows and
     * its increment of the shared counter. Returns the largest index present.
     */
    private static int check(Catalog c, Set<Integer> done, String what) throws Exception {
        return c.transaction(tx -> {
            try {
                Connection conn = tx.connection();
                Set<Integer> present = new HashSet<>();
                try (Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT k FROM meta WHERE k LIKE 't%'")) {
                    while (rs.next()) {
                        present.add(Integer.parseInt(rs.getString(1).substring(1)));
                    }
                }
                for (int i : done) {
                    assertTrue(present.contains(i), what + ": transaction " + i + " returned but is lost");
                }
                long count;
                try (Statement st = conn.createStatement();
                     ResultSet rs = st.executeQuery("SELECT v FROM meta WHERE k = 'count'")) {
                    rs.next();
                    count = Long.parseLong(rs.getString(1));
                }
                assertEquals(present.size(), count, what + ": counter against transactions present");
                try (PreparedStatement ps = conn.prepareStatement("SELECT COUNT(*) FROM xattrs WHERE ino = ?")) {
                    for (int i : present) {
                        ps.setLong(1, i);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertEquals(i % 97 == 13 ? 70 : 3, rs.getInt(1), what + ": xattrs of transaction " + i);
                        }
                    }
                }
                return present.stream().mapToInt(Integer::intValue).max().orElse(-1);
            } catch (java.sql.SQLException e) {
                throw new java.io.IOException(e);
            }
        });
    }

    private static Void exec(Tx tx, String sql) throws java.io.IOException {
        try (Statement st = tx.connection().createStatement()) {
            st.executeUpdate(sql);
            return null;
        } catch (java.sql.SQLException e) {
            throw new java.io.IOException(e);
        }
    }

    private static void copyRepo(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /**
     * The child: {@link #THREADS} threads commit transactions {@code start + t}, {@code + THREADS}, ... until killed,
     * printing "done i" once each returned. A transaction: a meta row, three xattr rows (a batch; 70 rows of 64 KiB,
     * too large for one journal record, for every 97th), and an increment of one shared counter row (a plain
     * statement, relative: it must be replayed in commit order).
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path repo = Path.of(args[0]);
            int start = Integer.parseInt(args[1]);
            Catalog catalog = Catalog.open(repo, false);
            Thread[] threads = new Thread[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int first = start + t;
                threads[t] = new Thread(() -> {
                    try {
                        for (int i = first; ; i += THREADS) {
                            int n = i;
                            catalog.transaction(tx -> {
                                try {
                                    Connection c = tx.connection();
                                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO meta (k, v) VALUES (?, ?)")) {
                                        ps.setString(1, "t" + n);
                                        ps.setString(2, "x".repeat(n % 50));
                                        ps.executeUpdate();
                                    }
                                    boolean big = n % 97 == 13;
                                    try (PreparedStatement ps = c.prepareStatement(
                                            "INSERT INTO xattrs (ino, name, val) VALUES (?, ?, ?)")) {
                                        for (int k = 0; k < (big ? 70 : 3); k++) {
                                            ps.setLong(1, n);
                                            ps.setBytes(2, ("user.a" + k).getBytes(StandardCharsets.UTF_8));
                                            ps.setBytes(3, new byte[big ? 65536 : 10 + k]);
                                            ps.addBatch();
                                        }
                                        ps.executeBatch();
                                    }
                                    try (Statement st = c.createStatement()) {
                                        st.executeUpdate("UPDATE meta SET v = CAST(CAST(v AS BIGINT) + 1 AS VARCHAR)"
                                                + " WHERE k = 'count'");
                                    }
                                    return null;
                                } catch (java.sql.SQLException e) {
                                    throw new java.io.IOException(e);
                                }
                            });
                            System.out.println("done " + n);
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                        System.exit(3);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
