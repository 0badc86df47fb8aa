package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Blob;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Where should local chunk payloads live: in H2 (SQL table or MVStore map) or in append-only pack files?
 * Measures write/read throughput and bytes on disk per stored byte after an ingest and after deletes.
 * Evidence for docs/decisions/0001-local-pack-files.md.
 *
 * <pre>
 * java -cp /tmp/build-h2/benchmarks.jar dev.pactfs.store.PayloadStorageStudy BACKEND [key=value ...]
 *   BACKEND: sql-varbinary | sql-blob | mvstore-default | mvstore-tuned | packs-raw | packs-store
 *   keys: dir=/work/h2study-tmp  mib=2048  reps=3  keep=2 (keep 1 row of every `keep`)  wait=30 (s after CHECKPOINT)
 *         dropCaches=true  commitEvery=64
 *         mvstore-tuned only: acbs=KiB (autoCommitBufferSize, 0 = autoCommitDisabled) fill=% (autoCompactFillRate)
 *                             cache=MiB  compactMs=ms (compactFile budget)
 * Crash probes:  crash-write BACKEND DIR  (writes until killed, prints each committed row count)
 *                crash-check BACKEND DIR  (reopens, reports what survived and whether it verifies)
 * </pre>
 *
 * MB = 10^6 bytes. Values are 1 MiB of incompressible bytes (a pool of random buffers, each value stamped
 * with its index so every value, and so every chunk id, is distinct). "stored" is the live payload bytes
 * (1 MiB per value for H2 and packs-raw; sealed sizes from the index for packs-store). "disk" is the size of
 * every file in the repo directory (database + packs).
 */
public final class PayloadStorageStudy {

    static final int MIB = 1 << 20;
    static final byte[][] POOL = new byte[16][];

    static {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < POOL.length; i++) {
            POOL[i] = new byte[MIB];
            r.nextBytes(POOL[i]);
        }
    }

    static byte[] value(long i) {
        byte[] v = POOL[(int) (i % POOL.length)].clone();
        for (int b = 0; b < 8; b++) {
            v[b] = (byte) (i >>> (8 * b));
        }
        return v;
    }

    static boolean isValue(long i, byte[] v) {
        return v.length == MIB && Arrays.equals(v, value(i));
    }

    // ------------------------------------------------------------------------------------------------------

    final Map<String, String> opt = new LinkedHashMap<>();

    String s(String k, String d) {
        return opt.getOrDefault(k, d);
    }

    int i(String k, int d) {
        return Integer.parseInt(s(k, String.valueOf(d)));
    }

    /** One measured quantity per key, one map per repetition. */
    final Map<String, List<Double>> results = new LinkedHashMap<>();

    void put(String k, double v) {
        results.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        System.out.printf("  %-34s %12.3f%n", k, v);
    }

    public static void main(String[] args) throws Exception {
        PayloadStorageStudy st = new PayloadStorageStudy();
        String backend = args[0];
        if (backend.equals("crash-write") || backend.equals("crash-check")) {
            Backend b = st.backend(args[1]);
            Path dir = Paths.get(args[2]);
            for (int a = 3; a < args.length; a++) {
                String[] kv = args[a].split("=", 2);
                st.opt.put(kv[0], kv[1]);
            }
            if (backend.equals("crash-write")) {
                Files.createDirectories(dir);
                b.open(dir, true);
                b.ingest(st.i("mib", 1 << 20), st.i("commitEvery", 64), n -> {
                    System.out.println("committed " + n);
                    System.out.flush();
                });
            } else {
                System.out.println("files after crash: " + listing(dir));
                long t0 = System.nanoTime();
                b.open(dir, false);
                System.out.printf("reopen took %.2f s%n", (System.nanoTime() - t0) / 1e9);
                System.out.println(b.crashCheck());
                b.close();
                System.out.println("files after reopen+close: " + listing(dir));
            }
            return;
        }
        for (int a = 1; a < args.length; a++) {
            String[] kv = args[a].split("=", 2);
            st.opt.put(kv[0], kv[1]);
        }
        System.out.println("backend " + backend + " options " + st.opt + " java " + System.getProperty("java.version")
                + " cpus " + Runtime.getRuntime().availableProcessors());
        int reps = st.i("reps", 3);
        for (int r = 0; r < reps; r++) {
            System.out.println("rep " + (r + 1) + "/" + reps);
            st.runOnce(st.backend(backend));
        }
        System.out.println("MEDIANS backend=" + backend + " " + st.opt);
        for (Map.Entry<String, List<Double>> e : st.results.entrySet()) {
            List<Double> v = new ArrayList<>(e.getValue());
            v.sort(null);
            System.out.printf("  %-34s %12.3f   (all: %s)%n", e.getKey(), v.get(v.size() / 2), e.getValue());
        }
    }

    Backend backend(String name) {
        return switch (name) {
            case "sql-varbinary" -> new Sql("VARBINARY");
            case "sql-blob" -> new Sql("BLOB");
            case "mvstore-default" -> new Mv(false);
            case "mvstore-tuned" -> new Mv(true);
            case "packs-raw" -> new PacksRaw();
            case "packs-store" -> new PacksStore();
            default -> throw new IllegalArgumentException("unknown backend " + name);
        };
    }

    void runOnce(Backend b) throws Exception {
        Path base = Paths.get(s("dir", "/work/h2study-tmp"));
        Files.createDirectories(base);
        Path dir = Files.createTempDirectory(base, "run");
        int mib = i("mib", 2048);
        int keep = i("keep", 2);
        try {
            b.open(dir, true);
            long t0 = System.nanoTime();
            b.ingest(mib, i("commitEvery", 64), n -> { });
            long t1 = System.nanoTime();
            b.sync();
            long t2 = System.nanoTime();
            put("write MB/s (to last commit)", (double) mib * MIB / 1e6 / ((t1 - t0) / 1e9));
            put("write MB/s (incl. final fsync)", (double) mib * MIB / 1e6 / ((t2 - t0) / 1e9));
            put("ratio after ingest", ratio(dir, b));
            b.close();
            put("ratio after ingest+close", ratio(dir, b));

            dropCaches();
            b.open(dir, false);
            long t3 = System.nanoTime();
            long n = b.readAll(mib);
            long t4 = System.nanoTime();
            if (n != mib) {
                throw new IllegalStateException("read " + n + " of " + mib);
            }
            put("read MB/s (cold, verified)", (double) mib * MIB / 1e6 / ((t4 - t3) / 1e9));

            long t5 = System.nanoTime();
            b.deleteAllBut(mib, keep);
            long t6 = System.nanoTime();
            put("delete s", (t6 - t5) / 1e9);
            put("ratio after delete", ratio(dir, b));
            long t7 = System.nanoTime();
            b.reclaim();
            long t8 = System.nanoTime();
            put("reclaim s (checkpoint/compact/gc)", (t8 - t7) / 1e9);
            put("ratio after reclaim", ratio(dir, b));
            int wait = i("wait", 30);
            double best = Double.MAX_VALUE;
            for (int w = 0; w < wait; w += 5) {
                Thread.sleep(5000);
                best = Math.min(best, ratio(dir, b));
            }
            if (wait > 0) {
                put("ratio after reclaim+" + wait + "s idle", ratio(dir, b));
            }
            b.close();
            put("ratio after close", ratio(dir, b));
            long t9 = System.nanoTime();
            if (b.offlineCompact(dir)) {
                long t10 = System.nanoTime();
                put("offline compact s", (t10 - t9) / 1e9);
                put("ratio after offline compact", ratio(dir, b));
            }
            b.open(dir, false);
            long left = b.readAll(mib);
            b.close();
            if (left != (mib + keep - 1) / keep) {
                throw new IllegalStateException("after deletes read " + left);
            }
        } finally {
            try {
                b.close();
            } catch (Exception ignored) {
                // already closed
            }
            deleteTree(dir);
        }
    }

    static double ratio(Path dir, Backend b) throws IOException {
        return (double) diskBytes(dir) / b.storedBytes();
    }

    static long diskBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    static String listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p) + "=" + p.toFile().length()).toList().toString();
        }
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void dropCaches() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        try {
            Files.writeString(Paths.get("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException e) {
            System.out.println("  (could not drop caches: " + e + "; read numbers are warm)");
        }
    }

    interface Progress {
        void committed(long n);
    }

    /** Keys are 0..n-1; value(i) is the content of key i. */
    interface Backend {
        void open(Path dir, boolean create) throws Exception;

        void ingest(int n, int commitEvery, Progress p) throws Exception;

        void sync() throws Exception;

        long readAll(int n) throws Exception;

        void deleteAllBut(int n, int keep) throws Exception;

        void reclaim() throws Exception;

        long storedBytes() throws IOException;

        boolean offlineCompact(Path dir) throws Exception;

        String crashCheck() throws Exception;

        void close() throws Exception;
    }

    // ------------------------------------------------------------------------------------------------------

    /** H2 SQL, default settings (only DB_CLOSE_ON_EXIT off so a shutdown hook does not race us). */
    final class Sql implements Backend {
        final String type;
        Connection c;
        String url;
        long live;

        Sql(String type) {
            this.type = type;
        }

        @Override
        public void open(Path dir, boolean create) throws SQLException {
            url = "jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_ON_EXIT=FALSE" + s("url", "");
            c = DriverManager.getConnection(url, "sa", "");
            c.setAutoCommit(false);
            if (create) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE t(id BIGINT PRIMARY KEY, v " + type + ")");
                }
                c.commit();
                live = 0;
            } else {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM t")) {
                    rs.next();
                    live = rs.getLong(1);
                }
            }
        }

        @Override
        public void ingest(int n, int commitEvery, Progress p) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (long i = 0; i < n; i++) {
                    ps.setLong(1, i);
                    ps.setBytes(2, value(i));
                    ps.executeUpdate();
                    live++;
                    if ((i + 1) % commitEvery == 0 || i == n - 1) {
                        c.commit();
                        p.committed(i + 1);
                    }
                }
            }
        }

        @Override
        public void sync() throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT SYNC");
            }
        }

        @Override
        public long readAll(int n) throws SQLException, IOException {
            long ok = 0;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, v FROM t ORDER BY id")) {
                while (rs.next()) {
                    long id = rs.getLong(1);
                    byte[] v;
                    if (type.equals("BLOB")) {
                        Blob blob = rs.getBlob(2);
                        try (InputStream in = blob.getBinaryStream()) {
                            v = in.readAllBytes();
                        }
                    } else {
                        v = rs.getBytes(2);
                    }
                    if (!isValue(id, v)) {
                        throw new IllegalStateException("row " + id + " does not match");
                    }
                    ok++;
                }
            }
            c.commit();
            return ok;
        }

        @Override
        public void deleteAllBut(int n, int keep) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM t WHERE id = ?")) {
                int inTx = 0;
                for (long i = 0; i < n; i++) {
                    if (i % keep != 0) {
                        ps.setLong(1, i);
                        live -= ps.executeUpdate();
                        if (++inTx % 64 == 0) {
                            c.commit();
                        }
                    }
                }
            }
            c.commit();
        }

        @Override
        public void reclaim() throws SQLException {
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
        }

        @Override
        public long storedBytes() {
            return live * MIB;
        }

        @Override
        public boolean offlineCompact(Path dir) throws SQLException {
            // SHUTDOWN COMPACT closes the database for every connection: it needs exclusive, offline access.
            c = DriverManager.getConnection(url, "sa", "");
            try (Statement st = c.createStatement()) {
                st.execute("SHUTDOWN COMPACT");
            }
            c = null;
            return true;
        }

        @Override
        public String crashCheck() throws SQLException, IOException {
            long max = -1;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT MAX(id) FROM t")) {
                rs.next();
                max = rs.getLong(1);
            }
            long ok = readAll(Integer.MAX_VALUE);
            return "rows present " + live + ", max id " + max + ", rows verified " + ok;
        }

        @Override
        public void close() throws SQLException {
            if (c != null) {
                try (Statement st = c.createStatement()) {
                    st.execute("SHUTDOWN");
                }
                c = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** H2 MVStore map Long -> byte[]. */
    final class Mv implements Backend {
        final boolean tuned;
        MVStore store;
        MVMap<Long, byte[]> map;
        Path file;

        Mv(boolean tuned) {
            this.tuned = tuned;
        }

        @Override
        public void open(Path dir, boolean create) {
            file = dir.resolve("mv.db");
            MVStore.Builder b = new MVStore.Builder().fileName(file.toString());
            if (tuned) {
                int acbs = i("acbs", 0);
                if (acbs == 0) {
                    b.autoCommitDisabled();
                } else {
                    b.autoCommitBufferSize(acbs);
                }
                b.autoCompactFillRate(i("fill", 90)).cacheSize(i("cache", 16));
            }
            store = b.open();
            if (tuned) {
                store.setRetentionTime(i("retention", 0));
                store.setVersionsToKeep(0);
            }
            map = store.openMap("v");
        }

        @Override
        public void ingest(int n, int commitEvery, Progress p) {
            for (long i = 0; i < n; i++) {
                map.put(i, value(i));
                if ((i + 1) % commitEvery == 0 || i == n - 1) {
                    store.commit();
                    p.committed(i + 1);
                }
            }
        }

        @Override
        public void sync() {
            store.commit();
            store.sync();
        }

        @Override
        public long readAll(int n) {
            long ok = 0;
            for (Map.Entry<Long, byte[]> e : map.entrySet()) {
                if (!isValue(e.getKey(), e.getValue())) {
                    throw new IllegalStateException("key " + e.getKey() + " does not match");
                }
                ok++;
            }
            return ok;
        }

        @Override
        public void deleteAllBut(int n, int keep) {
            int inTx = 0;
            for (long i = 0; i < n; i++) {
                if (i % keep != 0) {
                    map.remove(i);
                    if (++inTx % 64 == 0) {
                        store.commit();
                    }
                }
            }
            store.commit();
        }

        @Override
        public void reclaim() {
            store.commit();
            if (tuned) {
                // compactFile: rewrite chunks under the fill rate, then move chunks to the start and truncate.
                int target = i("compactFill", 0);
                if (target > 0) {
                    // rewrite live pages of chunks below the target fill rate, repeatedly, then commit
                    for (int k = 0; k < 50 && store.compact(target, 256 * MIB); k++) {
                        store.commit();
                    }
                    store.commit();
                }
                store.compactFile(i("compactMs", 60_000));
            }
        }

        @Override
        public long storedBytes() {
            return (store != null ? map.sizeAsLong() : lastSize) * MIB;
        }

        @Override
        public boolean offlineCompact(Path dir) {
            if (!tuned) {
                return false;
            }
            // Offline: copies every live page into a new file and swaps it in (needs the store closed).
            MVStore.compact(file.toString(), false, null);
            return true;
        }

        long lastSize = -1;

        @Override
        public String crashCheck() {
            long ok = readAll(Integer.MAX_VALUE);
            long max = map.isEmpty() ? -1 : map.lastKey();
            return "entries verified " + ok + ", max key " + max;
        }

        @Override
        public void close() {
            if (store != null) {
                lastSize = map.sizeAsLong();
                store.close();
                store = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** The real LocalPacks, storage only: append 1 MiB "sealed" records, no crypto, no index. */
    final class PacksRaw implements Backend {
        LocalPacks packs;
        final List<LocalPacks.Location> locs = new ArrayList<>();
        long live;
        Path dir;

        @Override
        public void open(Path dir, boolean create) throws IOException {
            this.dir = dir;
            packs = new LocalPacks(dir);
        }

        @Override
        public void ingest(int n, int commitEvery, Progress p) throws IOException {
            byte[] id = new byte[32];
            for (long i = 0; i < n; i++) {
                locs.add(packs.append(1, id, value(i)));
                live++;
                if ((i + 1) % commitEvery == 0 || i == n - 1) {
                    p.committed(i + 1);
                }
            }
        }

        @Override
        public void sync() throws IOException {
            packs.sync();
        }

        @Override
        public long readAll(int n) throws IOException {
            byte[] id = new byte[32];
            long ok = 0;
            for (int i = 0; i < locs.size(); i++) {
                if (locs.get(i) == null) {
                    continue;
                }
                if (!isValue(i, packs.read(locs.get(i), 1, id, MIB))) {
                    throw new IllegalStateException("record " + i + " does not match");
                }
                ok++;
            }
            return ok;
        }

        @Override
        public void deleteAllBut(int n, int keep) {
            for (int i = 0; i < n; i++) {
                if (i % keep != 0) {
                    locs.set(i, null);
                    live--;
                }
            }
        }

        @Override
        public void reclaim() {
            // not modelled here: packs-store runs the real compaction
        }

        @Override
        public long storedBytes() {
            return live * MIB;
        }

        @Override
        public boolean offlineCompact(Path dir) {
            return false;
        }

        @Override
        public String crashCheck() {
            return "(see packs-store)";
        }

        @Override
        public void close() throws IOException {
            if (packs != null) {
                packs.close();
                packs = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /**
     * The real store end to end: ChunkStores.open (LocalChunkStore: HMAC id, zstd attempt, AES-GCM seal, append
     * to LocalPacks, H2 index row) with 2 put workers, each value committed as the content of its own inode
     * through FileChunkLists; deletes drop file chunk lists and run collectGarbage (GC + pack compaction).
     */
    final class PacksStore implements Backend {
        RepoKeys keys;
        Catalog catalog;
        ChunkStore store;
        final List<ChunkId> ids = new ArrayList<>();

        @Override
        public void open(Path dir, boolean create) throws IOException {
            if (keys == null) {
                keys = RepoKeys.derive(MasterKey.of(new byte[MasterKey.LENGTH])); // fixed: crash-check must reopen with the same key
            }
            catalog = Catalog.open(dir, create);
            store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(), StoreOptions.defaults());
        }

        @Override
        public void ingest(int n, int commitEvery, Progress p) throws IOException {
            List<CompletableFuture<ChunkId>> batch = new ArrayList<>();
            long first = 0;
            for (long i = 0; i < n; i++) {
                batch.add(store.putAsync(value(i)));
                if ((i + 1) % commitEvery == 0 || i == n - 1) {
                    List<ChunkId> got = batch.stream().map(CompletableFuture::join).toList();
                    long base = first;
                    catalog.transaction(tx -> {
                        for (int k = 0; k < got.size(); k++) {
                            FileChunkLists.replace(tx, 100 + base + k, List.of(new ChunkRef(got.get(k), MIB)));
                        }
                        return null;
                    });
                    store.unpin(got);
                    ids.addAll(got);
                    batch.clear();
                    first = i + 1;
                    p.committed(i + 1);
                }
            }
        }

        @Override
        public void sync() throws IOException {
            store.sync();
        }

        @Override
        public long readAll(int n) throws IOException {
            long ok = 0;
            for (long i = 0; i < n; i++) {
                long ino = 100 + i;
                List<ChunkRef> r = catalog.transaction(tx -> FileChunkLists.load(tx, ino));
                if (r.isEmpty()) {
                    continue;
                }
                if (!isValue(i, store.get(r.get(0).id()))) {
                    throw new IllegalStateException("inode " + ino + " does not match");
                }
                ok++;
            }
            return ok;
        }

        @Override
        public void deleteAllBut(int n, int keep) throws IOException {
            for (long i = 0; i < n; i++) {
                if (i % keep != 0) {
                    long ino = 100 + i;
                    catalog.transaction(tx -> {
                        FileChunkLists.delete(tx, ino);
                        return null;
                    });
                }
            }
        }

        @Override
        public void reclaim() throws IOException {
            ChunkStore.GcStats gc = store.collectGarbage();
            catalog.compact();
            System.out.println("  gc: " + gc);
        }

        @Override
        public long storedBytes() throws IOException {
            if (store != null) {
                lastStored = store.check(false).storedBytes();
            }
            return lastStored;
        }

        long lastStored;

        @Override
        public boolean offlineCompact(Path dir) {
            return false;
        }

        @Override
        public String crashCheck() throws IOException {
            ChunkStore.CheckReport r = store.check(true);
            long files = 0;
            for (long ino = 100; ; ino++) {
                long in = ino;
                if (catalog.transaction(tx -> FileChunkLists.load(tx, in)).isEmpty()) {
                    break;
                }
                files++;
            }
            // The store must keep working after the crash: append one more chunk and read it back.
            byte[] extra = value(1L << 40);
            ChunkId id = store.put(extra);
            boolean extraOk = Arrays.equals(extra, store.get(id));
            return "committed files " + files + ", indexed chunks " + r.chunks() + ", check(readData) clean="
                    + r.clean() + " problems=" + r.problems() + ", put+get after reopen ok=" + extraOk;
        }

        @Override
        public void close() throws IOException {
            if (store != null) {
                lastStored = store.check(false).storedBytes();
                try {
                    store.close();
                } finally {
                    catalog.close();
                    store = null;
                    catalog = null;
                }
            }
        }
    }
}
