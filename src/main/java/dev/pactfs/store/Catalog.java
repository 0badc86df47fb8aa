package dev.pactfs.store;

import dev.pactfs.files.PrivateFiles;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileStore;
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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Catalog.class);

    /** File name (without H2's ".mv.db") inside the repo directory. */
    public static final String DB_NAME = "catalog";

    /** How long a transaction waits for a row lock before failing, in milliseconds. */
    static final int LOCK_TIMEOUT_MS = 60_000;

    private volatile JdbcConnectionPool pool;
    private final String url;
    private final Path dbFile;
    /**
     * H2 closed the database itself (it does so on any failed write, e.g. when another process filled the disk
     * to the last byte, past our pack reserve): the next connection reopens it. Reopening recovers exactly the
     * committed transactions, as after a kill -9, and the failed ones were reported to their callers.
     */
    private volatile boolean broken;
    private volatile boolean closing;
    /** Incremented when the database is reopened: connections of an older generation must not be used again. */
    private volatile long generation;
    private volatile Runnable beforeReopen;
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

    private final SpaceReserve spaceReserve;
    /** Whether this repo keeps a space reserve (see {@link #keepSpaceReserve}); throw-away repos do not. */
    private volatile boolean reserveWanted;
    private final CatalogCompaction compaction;

    private Catalog(JdbcConnectionPool pool, String url, Path dbFile, SpaceReserve spaceReserve) {
        this.pool = pool;
        this.url = url;
        this.dbFile = dbFile;
        this.spaceReserve = spaceReserve;
        this.compaction = new CatalogCompaction(dbFile);
    }

    private static JdbcConnectionPool newPool(String url) {
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "pactfs", "");
        pool.setMaxConnections(32);
        return pool;
    }

    /** Opens (creating if {@code create}) the catalog in {@code repoDir} and migrates its schema. */
    public static Catalog open(Path repoDir, boolean create) throws IOException {
        Path file = repoDir.resolve(DB_NAME + ".mv.db");
        if (!create && !Files.exists(file)) {
            throw new StoreException("no catalog in " + repoDir + " (not a pactfs repo, or not initialised)");
        }
        ownerOnly(file, create);
        String url = "jdbc:h2:file:" + repoDir.toAbsolutePath().resolve(DB_NAME)
                + ";WRITE_DELAY=0;QUERY_CACHE_SIZE=64;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0;LOCK_TIMEOUT=" + LOCK_TIMEOUT_MS
                + (create ? "" : ";IFEXISTS=TRUE");
        SpaceReserve reserve = SpaceReserve.of(repoDir);
        if (!create && reserve.usable() < OPEN_FLOOR_BYTES) {
            // Opening recovers and rewrites the store header: on a disk full to the last byte H2 cannot even open.
            reserve.release();
        }
        JdbcConnectionPool pool = newPool(url);
        Catalog catalog = new Catalog(pool, url, file, reserve);
        try (Connection c = catalog.connect()) {
            Schema.migrate(c);
            catalog.compaction.opened(c);
        } catch (SQLException e) {
            pool.dispose();
            throw translate("opening catalog " + file, e);
        } catch (StoreException e) {
            pool.dispose();
            throw e;
        }
        return catalog;
    }

    /**
     * The catalog holds every file name of every backup, so it must be 0600 like everything else in the repo;
     * but H2 creates its file itself, through the umask (0644 as a rule), and takes no mode. A new catalog's
     * file is therefore created here first, empty and 0600 (H2 starts a new store in an empty file and keeps
     * the file's mode), so that there is no moment in which it is readable by others. A catalog made before
     * this (0644 by a recover of an older version) loses its group and other bits on open.
     */
    private static void ownerOnly(Path file, boolean create) throws IOException {
        if (create && !Files.exists(file)) {
            PrivateFiles.createFile(file);
        } else if (Files.exists(file) && PrivateFiles.restrict(file)) {
            LOG.info("catalog {} was readable by others: now 0600", file);
        }
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
        boolean hookFailed = false;
        if (hook != null) {
            long t0 = System.nanoTime();
            try {
                hook.run();
            } catch (NoSpaceException e) {
                // A full disk must not fail reads (getattr, readdir): run the work; if it writes, it fails at commit.
                hookFailed = true;
            } finally {
                stats.hookNanos.add(System.nanoTime() - t0);
            }
        }
        return run(work, hookFailed);
    }

    private final CatalogStats stats = new CatalogStats();

    /** Where this catalog's transactions spent their time since it was opened. */
    public CatalogStats.Snapshot stats() {
        return stats.snapshot();
    }

    /** The current database generation (see {@link #reopen}). */
    long generation() {
        return generation;
    }

    /** Work run before the database is reopened: close connections kept outside the pool (one at a time). */
    void beforeReopen(Runnable r) {
        this.beforeReopen = r;
    }

    /** Sets the hook run before every {@link #transaction} (one at a time; null removes it). */
    void beforeTransaction(Hook hook) {
        this.beforeTransaction = hook;
    }

    /** As {@link #transaction} without running the hook: for the hook's own work. */
    <T> T transactionWithoutHook(Work<T> work) throws IOException {
        return run(work, false);
    }

    private <T> T run(Work<T> work, boolean hookFailed) throws IOException {
        try (Connection c = connect()) {
            try {
                long t0 = System.nanoTime();
                T result = work.run(new Tx(c));
                long t1 = System.nanoTime();
                stats.workNanos.add(t1 - t0);
                boolean writes = hasWrites(c);
                if (writes) {
                    if (hookFailed) {
                        // its changes may refer to chunks whose index rows the hook could not insert
                        throw new NoSpaceException("catalog transaction: the chunk index could not be updated", null);
                    }
                    if (usableSpace() < MIN_FREE_BYTES && (spaceReserve.release() == 0 || usableSpace() < MIN_FREE_BYTES)) {
                        throw new NoSpaceException("catalog transaction: less than " + (MIN_FREE_BYTES >> 10)
                                + " KiB free", null);
                    }
                }
                long t2 = System.nanoTime();
                c.commit();
                long t3 = System.nanoTime();
                compaction.afterCommit(c);
                long t4 = System.nanoTime();
                if (writes) {
                    stats.writeTx.increment();
                    stats.spaceCheckNanos.add(t2 - t1);
                    stats.commitNanos.add(t3 - t2);
                } else {
                    stats.readTx.increment();
                    stats.readCommitNanos.add(t3 - t2);
                }
                stats.afterCommitNanos.add(t4 - t3);
                return result;
            } catch (IOException | RuntimeException e) {
                IOException closed = closedInside("catalog transaction", e);
                if (closed != null) {
                    rollbackUnlessClosed(c, e);
                    throw closed;
                }
                c.rollback();
                throw e;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw failure("catalog transaction", e);
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
                IOException closed = closedInside("consistent catalog read", e);
                if (closed != null) {
                    rollbackUnlessClosed(c, e);
                    throw closed;
                }
                c.rollback();
                throw e;
            } finally {
                try (Statement st = c.createStatement()) {
                    st.execute("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED");
                }
            }
        } catch (SQLException e) {
            throw failure("consistent catalog read", e);
        }
    }

    /** Forces every committed transaction to the device. */
    public void sync() throws IOException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT SYNC");
        } catch (SQLException e) {
            throw failure("syncing catalog", e);
        }
    }

    /** Rewrites the database file so that freed space returns to the disk (see {@link CatalogCompaction}). */
    public void compact() throws IOException {
        try (Connection c = connect()) {
            compaction.compactNow(c);
        } catch (SQLException e) {
            throw failure("compacting catalog", e);
        }
    }

    /**
     * Keeps the repo's space reserve ({@link SpaceReserve}): writes it now if the disk has room, and again after
     * each garbage collection that made room once it was released. For the repo a user works with, not for
     * throw-away ones (the mount's rehearsal).
     */
    public void keepSpaceReserve() {
        reserveWanted = true;
        restoreSpaceReserve(2 * MIN_FREE_BYTES);
    }

    /** Writes the space reserve again when this repo keeps one and {@code keepFree} bytes stay free after it. */
    void restoreSpaceReserve(long keepFree) {
        if (reserveWanted) {
            spaceReserve.restoreIfRoom(keepFree);
        }
    }

    /** The repo's space reserve. */
    SpaceReserve spaceReserve() {
        return spaceReserve;
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
        Connection c = pooled();
        c.setAutoCommit(true);
        return c;
    }

    private Connection connect() throws SQLException {
        Connection c = pooled();
        c.setAutoCommit(false);
        return c;
    }

    private Connection pooled() throws SQLException {
        if (broken) {
            reopen();
        }
        boolean reopened = false;
        while (true) {
            JdbcConnectionPool p = pool;
            try {
                return p.getConnection();
            } catch (IllegalStateException e) {
                if (p == pool) {
                    throw e; // disposed by close(), not replaced by reopen()
                }
            } catch (SQLException e) {
                // Our own open instance holds the file lock, yet H2 no longer knows it: the closed instance's late
                // shutdown (on H2's thread) unregistered it by file name after the reopen. Reopen once more.
                if (reopened || closing || !lockedByThisProcess(e)) {
                    throw e;
                }
                reopened = true;
                synchronized (this) {
                    if (p == pool) {
                        broken = true;
                    }
                }
                reopen();
            }
        }
    }

    /** Whether opening the database failed on a file lock held inside this JVM (never another process's). */
    private static boolean lockedByThisProcess(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.OverlappingFileLockException) {
                return true;
            }
        }
        return false;
    }

    /** Tries to reopen a database whose closed instance still holds the file lock (50, 100, … ms apart: ~5 s). */
    static final int REOPEN_ATTEMPTS = 14;

    private synchronized void reopen() throws SQLException {
        if (!broken || closing) {
            return;
        }
        // The failure may have come from a connection of a database already reopened (a pooled lookup): opening a
        // second instance of the same file would fail on H2's file lock.
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
            broken = false;
            return;
        } catch (SQLException | RuntimeException e) {
            // really closed: reopen below
        }
        // Every statement on a session of the closed instance makes H2 drop whatever database is registered under the
        // file's name (Engine.close(name)), which after this would be the reopened one: retire the old sessions first.
        // A connection another thread holds right now cannot be retired: wait until its operation has failed on the
        // closed instance and given it back.
        JdbcConnectionPool old = pool;
        old.dispose();
        awaitReturned(old, beforeReopen);
        JdbcConnectionPool fresh = null;
        for (int attempt = 1; fresh == null; attempt++) {
            forgetClosedInstance();
            JdbcConnectionPool candidate = newPool(url);
            try (Connection c = candidate.getConnection()) {
                fresh = candidate; // opening a connection opens (and recovers) the database
            } catch (SQLException | RuntimeException e) {
                candidate.dispose();
                // The closed instance may still hold the file lock for a moment (H2 closes its store on its own
                // thread after the failed write): seen as "The file is locked" in CI. Wait for it, briefly.
                if (attempt >= REOPEN_ATTEMPTS || !String.valueOf(e.getMessage()).contains("locked")
                        && !(e.getCause() instanceof java.nio.channels.OverlappingFileLockException)) {
                    throw e;
                }
                try {
                    Thread.sleep(50L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        generation++;
        pool = fresh;
        broken = false;
        LOG.warn("catalog {} reopened after H2 closed it on a failed write", dbFile);
    }

    /** How long a reopen waits for the closed instance's connections to come back (see {@link #awaitReturned}). */
    static final long RETURN_WAIT_MS = 3_000;

    /**
     * Waits, briefly, until every connection of the closed instance that other threads still hold is closed. Their
     * operations fail on the closed database and close them; a statement run on such a session after the reopen would
     * make H2 drop the reopened database's registration (it goes by file name), and the next connection would then
     * open the file a second time and meet our own lock: an error for whatever operation ran into it. A connection
     * held by the reopening thread itself never comes back: the wait is bounded. {@code closeKept} closes the
     * connections kept outside the pool ({@link #beforeReopen}).
     */
    private static void awaitReturned(JdbcConnectionPool old, Runnable closeKept) {
        long deadline = System.nanoTime() + RETURN_WAIT_MS * 1_000_000;
        while (true) {
            if (closeKept != null) {
                closeKept.run(); // again each time: a lookup in use a moment ago may have been put back since
            }
            if (old.getActiveConnections() == 0 || System.nanoTime() >= deadline) {
                return;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The exception for a failed catalog operation; notes when H2 has closed the database (a failed write), so
     * that the next operation reopens it. Callers outside this class that use {@link #readConnection} use this.
     */
    StoreException failure(String what, SQLException e) {
        boolean closedByH2 = e.getErrorCode() == DATABASE_IS_CLOSED || NoSpaceException.isNoSpace(e)
                || String.valueOf(e.getMessage()).contains("MVStoreException");
        if (closedByH2 && !closing) {
            broken = true;
            if (NoSpaceException.isNoSpace(e) || lowOnSpace()) {
                spaceReserve.release(); // reopening writes too
            }
            if (!NoSpaceException.isNoSpace(e) && lowOnSpace()) {
                return new NoSpaceException(what + ": the catalog could not write", e);
            }
        }
        return translate(what, e);
    }

    /**
     * When the work failed because H2 closed the database under it (a statement's SQLException wrapped in a
     * StoreException), the exception to throw instead (rolling back is moot then); else null.
     */
    private IOException closedInside(String what, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                StoreException f = failure(what, sql);
                return broken ? f : null;
            }
        }
        return null;
    }

    /**
     * Rolls back unless H2 said the database is closed: a statement on a closed instance's session would make H2
     * unregister a reopened one (see {@link #reopen}). A false alarm of {@link #closedInside} thus still rolls back.
     */
    private static void rollbackUnlessClosed(Connection c, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == DATABASE_IS_CLOSED) {
                return;
            }
        }
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the database went away meanwhile: nothing to roll back
        }
    }

    /**
     * A write transaction is refused (NoSpaceException, rolled back in memory) below this much free space: H2
     * closes the whole database when a write fails, so it must never meet a full disk. pactfs itself stops
     * filling the disk at its pack reserve (LocalPacks); this guards against other processes filling it.
     */
    static final long MIN_FREE_BYTES = 1L << 20;

    /** Below this much free space, opening the catalog first releases the space reserve (opening writes). */
    static final long OPEN_FLOOR_BYTES = 4L << 20;

    private static boolean hasWrites(Connection c) {
        try {
            return c.unwrap(org.h2.jdbc.JdbcConnection.class).getSession().hasPendingTransaction();
        } catch (SQLException | RuntimeException e) {
            return true; // unknown: treat as a write
        }
    }

    /**
     * The file system holding the catalog, found once: {@code Files.getFileStore} reads /proc/self/mounts to find
     * it, which cost 120–360 µs on every writing transaction (issue 15, measured beside a cached store's 0.6 µs),
     * while {@link FileStore#getUsableSpace} asks statvfs(2) afresh on every call.
     */
    private volatile FileStore fileStore;

    private long usableSpace() {
        try {
            FileStore s = fileStore;
            if (s == null) {
                s = Files.getFileStore(dbFile);
                fileStore = s;
            }
            return s.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE; // cannot tell: let H2 try
        }
    }

    /**
     * H2 keeps the closed instance registered under the file's name until one of its sessions runs a statement;
     * while it is, opening the file again hands back its "database closed" error. Unregister it (H2's
     * Engine.close(name), package-private: best effort, by reflection). Key as H2's: the file's real path
     * without ".mv.db".
     */
    private void forgetClosedInstance() {
        try {
            String name = dbFile.toRealPath().toString();
            name = name.substring(0, name.length() - ".mv.db".length());
            java.lang.reflect.Method close = Class.forName("org.h2.engine.Engine").getDeclaredMethod("close", String.class);
            close.setAccessible(true);
            close.invoke(null, name);
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            LOG.debug("could not unregister the closed catalog instance", e);
        }
    }

    /** H2's error code "The database has been closed". */
    static final int DATABASE_IS_CLOSED = 90098;

    private boolean lowOnSpace() {
        return usableSpace() < (4L << 20);
    }

    static StoreException translate(String what, SQLException e) {
        // 90020: database in use by another process (H2's file lock).
        if (e.getErrorCode() == 90020 || String.valueOf(e.getMessage()).contains("Database may be already in use")) {
            return new StoreException("repo is in use by another pactfs process (" + what + ")", e);
        }
        if (NoSpaceException.isNoSpace(e)) {
            return new NoSpaceException(what, e);
        }
        return new StoreException(what + " failed: " + e.getMessage(), e);
    }

    @Override
    public void close() throws IOException {
        closing = true;
        try (Connection c = pooled(); Statement st = c.createStatement()) {
            compaction.beforeClose(c);
            st.execute("SHUTDOWN");
        } catch (SQLException e) {
            throw translate("closing catalog", e);
        } finally {
            pool.dispose();
        }
    }
}
