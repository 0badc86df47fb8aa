package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Pack files: records across many full packs, which are forced to the device in the background. */
@Timeout(120)
class LocalPacksTest {

    @TempDir
    Path repo;

    private record Written(LocalPacks.Location loc, byte[] id, byte[] sealed) {
    }

    @Test
    void recordsAcrossManyFullPacksReadBackAndSyncWaitsForTheirForces() throws Exception {
        List<Written> written = new ArrayList<>();
        try (LocalPacks packs = new LocalPacks(repo, 64 << 10)) {
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = 0; i < 200; i++) {
                written.add(append(packs, rnd, 1 + rnd.nextInt(20_000)));
            }
            packs.sync();
            assertFalse(packs.retiring(), "sync returns once every full pack's force is done");
            assertTrue(packs.list().size() >= 20, "many packs: " + packs.list().size());
            readBack(packs, written);
        }
        try (LocalPacks reopened = new LocalPacks(repo, 64 << 10)) {
            readBack(reopened, written);
        }
    }

    @Test
    void concurrentAppendersAndSyncs() throws Exception {
        List<Written> written = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean stop = new AtomicBoolean();
        try (LocalPacks packs = new LocalPacks(repo, 32 << 10)) {
            Future<?> syncs = pool.submit(() -> {
                while (!stop.get()) {
                    packs.sync();
                }
                return null;
            });
            List<Future<?>> appenders = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                appenders.add(pool.submit(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    for (int i = 0; i < 150; i++) {
                        written.add(append(packs, rnd, 1 + rnd.nextInt(8_000)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : appenders) {
                f.get();
            }
            stop.set(true);
            syncs.get();
            packs.sync();
            assertFalse(packs.retiring());
            assertEquals(450, written.size());
            readBack(packs, written);
        } finally {
            pool.shutdownNow();
        }
    }

    private static Written append(LocalPacks packs, SplittableRandom rnd, int size) throws java.io.IOException {
        byte[] id = new byte[32];
        rnd.nextBytes(id);
        byte[] sealed = new byte[size];
        rnd.nextBytes(sealed);
        return new Written(packs.append(1, id, sealed), id, sealed);
    }

    private static void readBack(LocalPacks packs, List<Written> written) throws java.io.IOException {
        for (Written w : written) {
            assertArrayEquals(w.sealed(), packs.read(w.loc(), 1, w.id(), w.sealed().length));
        }
    }
}
