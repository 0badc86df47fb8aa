package dev.pactfs.store;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The repository's embedded H2 database: the single source of local truth (namespace, file chunk lists,
 * chunk index with refcounts, snapshots, replication queue).
 *
 * <p>Durability: every committed transaction is handed to the OS at commit ({@code WRITE_DELAY=0}), so it
 * survives a {@code kill -9} of the daemon; {@link #sync()} additionally forces it to the device (fsync).
 *
 * <p>Thread-safe: each transaction runs on its own pooled connection. H2 locks rows, so two transactions that
 * touch the same row (the refcount of a popular chunk) serialise; a lock wait longer than
 * {@link #LOCK_TIMEOUT_MS} fails the later one.
 */
public final class Catalog implements Closeable {

    /** File name (without H2's ".mv.db") inside the repo directory. */
    public static final String DB_NAME = "catalog";

    /** How long a transaction waits for a row lock before failing, in milliseconds. */
    static final int LOCK_TIMEOUT_MS = 60_000;

    private final JdbcConnectionPool pool;
    private final Path dbFile;
    /**
     * Run before every transaction: the chunk store's flush of index rows it has not committed yet, so that a
     * transaction referencing a chunk put earlier always finds its row (LocalChunkStore, "pending rows").
     */
    private volatile Hook beforeTransaction;

    /** Work run before each transaction. */
    @FunctionalInterface
    interface Hook {
        void run() throws IOException;
    }

    private Catalog(JdbcConnectionPool pool, Path dbFile) {
        this.pool = pool;
        this.dbFile = dbFile;
    }

    /** Opens (creating if {@code create}) the catalog in {@code repoDir} and migrates its schema. */
    public static Catalog open(Path repoDir, boolean create) throws IOException {
        Path file = repoDir.resolve(DB_NAME + ".mv.db");
        if (!create && !Files.exists(file)) {
            throw new StoreException("no catalog in " + repoDir + " (not a pactfs repo, or not initialised)");
        }
        String url = "jdbc:h2:file:" + repoDir.toAbsolutePath().resolve(DB_NAME)
                + ";WRITE_DELAY=0;QUERY_CACHE_SIZE=64;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;LOCK_TIMEOUT=" + LOCK_TIMEOUT_MS
                + (create ? "" : ";IFEXISTS=TRUE");
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "pactfs", "");
        pool.setMaxConnections(32);
        Catalog catalog = new Catalog(pool, file);
        try (Connection c = catalog.connect()) {
            Schema.migrate(c);
        } catch (SQLException e) {
            pool.dispose();
            throw translate("opening catalog " + file, e);
        } catch (StoreException e) {
            pool.dispose();
            throw e;
        }
        return catalog;
    }

    /** A unit of work inside one transaction. */
    @FunctionalInterface
    public interface Work<T> {
        T run(Tx tx) throws IOException;
    }

    /**
     * Runs {@code work} in one transaction and commits it; any exception rolls everything back.
     * Do not nest: a transaction inside another one would run on a second connection.
     */
    public <T> T transaction(Work<T> work) throws IOException {
        Hook hook = beforeTransaction;
        if (hook != null) {
            hook.run();
        }
        return transactionWithoutHook(work);
    }

    /** Sets the hook run before every {@link #transaction} (one at a time; null removes it). */
    void beforeTransaction(Hook hook) {
        this.beforeTransaction = hook;
    }

    /** As {@link #transaction} without running the hook: for the hook's own work. */
    <T> T transactionWithoutHook(Work<T> work) throws IOException {
        try (Connection c = connect()) {
            try {
                T result = work.run(new Tx(c));
                c.commit();
                return result;
            } catch (IOException | RuntimeException e) {
                c.rollback();
                throw e;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw translate("catalog transaction", e);
        }
    }

    /**
     * As {@link #transaction}, but every statement of {@code work} reads one consistent state of the catalog: the
     * one committed when it began (H2's SNAPSHOT isolation), whatever commits meanwhile. For long read-only scans
     * such as freezing the namespace into a snapshot.
     */
    public <T> T readConsistent(Work<T> work) throws IOException {
        try (Connection c = connect()) {
            try (Statement st = c.createStatement()) {
                st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SNAPSHOT");
            }
            try {
                T result = work.run(new Tx(c));
                c.commit();
                return result;
            } catch (IOException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                try (Statement st = c.createStatement()) {
                    st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
                }
            }
        } catch (SQLException e) {
            throw translate("consistent catalog read", e);
        }
    }

    /** Forces every committed transaction to the device. */
    public void sync() throws IOException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT SYNC");
        } catch (SQLException e) {
            throw translate("syncing catalog", e);
        }
    }

    /** Rewrites the database file so that freed space returns to the disk. */
    public void compact() throws IOException {
        // H2 compacts the MVStore fully only on SHUTDOWN COMPACT; online, CHECKPOINT lets the background
        // writer reuse free chunks, which keeps the file near its live size for our small metadata rows.
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (SQLException e) {
            throw translate("compacting catalog", e);
        }
    }

    /** Size of the database file in bytes. */
    public long fileSize() throws IOException {
        return Files.size(dbFile);
    }

    /**
     * A pooled connection in auto-commit mode for single-statement reads (the chunk store's index lookups), which
     * keeps its prepared statements across calls: a lookup then costs no parse and no transaction. Close it to
     * return it to the pool.
     */
    Connection readConnection() throws SQLException {
        Connection c = pool.getConnection();
        c.setAutoCommit(true);
        return c;
    }

    private Connection connect() throws SQLException {
        Connection c = pool.getConnection();
        c.setAutoCommit(false);
        return c;
    }

    static StoreException translate(String what, SQLException e) {
        // 90020: database in use by another process (H2's file lock).
        if (e.getErrorCode() == 90020 || String.valueOf(e.getMessage()).contains("Database may be already in use")) {
            return new StoreException("repo is in use by another pactfs process (" + what + ")", e);
        }
        if (String.valueOf(e.getMessage()).contains("No space left on device")) {
            return new StoreException("no space left on device (" + what + ")", e);
        }
        return new StoreException(what + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() throws IOException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("SHUTDOWN");
        } catch (SQLException e) {
            throw translate("closing catalog", e);
        } finally {
            pool.dispose();
        }
    }
}
