package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Caller;
import dev.pactfs.fs.Errno;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/** The per-operation counters: what they count, what they time, and that nothing is lost between threads. */
class FuseOpStatsTest {

    @TempDir
    Path dir;

    private static Map<String, FuseOpStats.Row> byOp(FuseOpStats s) {
        return s.snapshot().stream().collect(Collectors.toMap(FuseOpStats.Row::op, Function.identity()));
    }

    @Test
    void record_countsSumsKeepsTheLongestAndCountsFailuresApart() {
        FuseOpStats s = new FuseOpStats();
        s.record("read", 1_000, 4096);
        s.record("read", 7_000, 0);
        s.record("read", 2_000, -Errno.EIO);
        s.record("getattr", 50_000, -Errno.ENOENT);

        Map<String, FuseOpStats.Row> rows = byOp(s);
        assertEquals(new FuseOpStats.Row("read", 3, 10_000, 7_000, 1), rows.get("read"));
        assertEquals(new FuseOpStats.Row("getattr", 1, 50_000, 50_000, 1), rows.get("getattr"));
        assertEquals(3_333, rows.get("read").meanNanos());
        assertEquals("getattr", s.snapshot().get(0).op(), "the largest total time comes first");
    }

    @Test
    void record_fromManyThreadsLosesNothing() throws Exception {
        FuseOpStats s = new FuseOpStats();
        int threads = 4;
        int each = 20_000;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            ts[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 1; i <= each; i++) {
                    s.record(i % 2 == 0 ? "write" : "flush", i + id, 0);
                }
            });
            ts[t].start();
        }
        start.countDown();
        for (Thread t : ts) {
            t.join();
        }
        Map<String, FuseOpStats.Row> rows = byOp(s);
        assertEquals(threads * each / 2, rows.get("write").count());
        assertEquals(threads * each / 2, rows.get("flush").count());
        assertEquals(each + threads - 1, rows.get("write").maxNanos(), "the largest value any thread recorded");
        long sumWrite = 0;
        for (int id = 0; id < threads; id++) {
            for (int i = 2; i <= each; i += 2) {
                sumWrite += i + id;
            }
        }
        assertEquals(sumWrite, rows.get("write").totalNanos());
    }

    @Test
    void table_hasOneLinePerOperationAndATotal() {
        FuseOpStats s = new FuseOpStats();
        assertEquals("", s.table(), "nothing served, nothing to log");
        s.record("create", 3_000_000, 0);
        s.record("getattr", 1_000_000, 0);
        List<String> lines = s.table().lines().toList();
        assertEquals(4, lines.size(), s.table());
        assertTrue(lines.get(1).matches("create +1 +3\\.0 +75% +3000\\.0 +3\\.0 +0"), lines.get(1));
        assertTrue(lines.get(3).matches("all +2 +4\\.0 +100%"), lines.get(3));
    }

    @Test
    void pactFuse_countsAndTimesEveryOperationItServes() throws Exception {
        try (TestRepo repo = new TestRepo(dir)) {
            byte[] data = new byte[10_000];
            PactFs.Created c = repo.fs.create(PactFs.ROOT, "f".getBytes(StandardCharsets.UTF_8), 0644, PactFs.O_WRONLY,
                    Caller.ROOT);
            repo.fs.write(c.handle(), 0, data, 0, data.length);
            repo.fs.release(c.handle());

            PactFuse fuse = new PactFuse(repo.fs);
            Runtime runtime = Runtime.getSystemRuntime();
            Pointer buf = Memory.allocateDirect(runtime, 4096);
            FuseFileInfo fi = FuseFileInfo.of(Memory.allocateDirect(runtime, 64));
            long t0 = System.nanoTime();
            assertEquals(0, fuse.open("/f", fi));
            int reads = 0;
            for (long off = 0; off < data.length; off += 4096) {
                assertTrue(fuse.read("/f", buf, 4096, off, fi) > 0);
                reads++;
            }
            assertEquals(0, fuse.flush("/f", fi));
            assertEquals(0, fuse.release("/f", fi));
            assertEquals(-Errno.ENOENT, fuse.open("/missing", FuseFileInfo.of(Memory.allocateDirect(runtime, 64))));
            long wall = System.nanoTime() - t0;

            Map<String, FuseOpStats.Row> rows = byOp(fuse.stats());
            assertEquals(2, rows.get("open").count());
            assertEquals(1, rows.get("open").errors(), "the open of a missing file");
            assertEquals(reads, rows.get("read").count());
            assertEquals(0, rows.get("read").errors());
            assertEquals(1, rows.get("flush").count());
            assertEquals(1, rows.get("release").count());
            assertEquals(4, rows.size(), "no operation that was not called: " + rows.keySet());
            long total = 0;
            for (FuseOpStats.Row r : rows.values()) {
                assertTrue(r.totalNanos() > 0, r.toString());
                assertTrue(r.maxNanos() <= r.totalNanos() && r.maxNanos() * r.count() >= r.totalNanos(), r.toString());
                total += r.totalNanos();
            }
            assertTrue(total <= wall, "the operations' time lies within the caller's: " + total + " > " + wall);
        }
    }
}
