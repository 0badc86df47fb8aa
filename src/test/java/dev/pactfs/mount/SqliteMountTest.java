package dev.pactfs.mount;

import static dev.pactfs.mount.TreeManifest.Field.MTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** sqlite3 updating a database in place (small random writes, fsync, truncate, journal files) through a mount. */
@Tag("mount")
class SqliteMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    static final String WORKLOAD = """
            sqlite3 "$DB" <<'SQL'
            PRAGMA journal_mode=%s;
            CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, payload BLOB);
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
              INSERT INTO t SELECT x, 'name ' || x, zeroblob(x %% 700) FROM c;
            CREATE INDEX t_name ON t(name);
            SQL
            for i in $(seq 1 15); do
              sqlite3 "$DB" "BEGIN; UPDATE t SET name = name || '.$i' WHERE id %% 97 = $i; \
                DELETE FROM t WHERE id %% 1013 = $i; INSERT INTO t(name, payload) VALUES ('new $i', zeroblob($i * 100)); COMMIT;"
            done
            sqlite3 "$DB" "UPDATE t SET payload = zeroblob(3000) WHERE id BETWEEN 2000 AND 4000;"
            sqlite3 "$DB" "DELETE FROM t WHERE id > 8000;"
            sqlite3 "$DB" "VACUUM;"
            sqlite3 "$DB" "INSERT INTO t(name) SELECT name || ' again' FROM t WHERE id < 2000;"
            sqlite3 "$DB" "PRAGMA integrity_check;" > integrity
            sqlite3 "$DB" .dump | sha256sum > dump.sha
            sqlite3 "$DB" "SELECT count(*), sum(length(payload)), max(id) FROM t;" > summary
            """;

    private void run(String journalMode) {
        String script = "DB=\"$D/db.sqlite\"\n" + String.format(WORKLOAD, journalMode);
        fx.both(script);
        assertEquals("ok", fx.inMount("cat integrity").ok().out().trim(), "PRAGMA integrity_check through the mount");
        assertEquals(fx.inPlain("cat summary dump.sha").ok().out(), fx.inMount("cat summary dump.sha").ok().out());
        // Same database bytes as on a plain directory (sqlite writes are deterministic).
        fx.assertTreesSame(TreeManifest.except(MTIME));
        fx.remount();
        assertEquals("ok", fx.inMount("sqlite3 db.sqlite 'PRAGMA integrity_check;'").ok().out().trim(), "after remount");
        fx.assertTreesSame(TreeManifest.except(MTIME));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sqliteRollbackJournalUpdatedInPlace() {
        run("DELETE");
    }

    /** WAL mode: sqlite mmaps the -shm file (MAP_SHARED) and writes the -wal file alongside. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sqliteWalUpdatedInPlace() {
        run("WAL");
    }
}
