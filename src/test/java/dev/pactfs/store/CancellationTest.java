package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** check stops at its next chunk once the client that asked for it was interrupted, and the store goes on. */
class CancellationTest {

    @TempDir
    Path dir;

    @Test
    void aCancelledCheckStopsAndTheStoreStillWorks() throws Exception {
        try (StoreFixture f = StoreFixture.create(dir)) {
            for (int i = 0; i < 3; i++) {
                byte[] data = StoreFixture.random(i, 100_000);
                ChunkId id = f.store.put(data);
                f.commitFile(10 + i, List.of(new ChunkRef(id, data.length)));
            }
            Cancellation c = new Cancellation("check");
            c.cancel();
            Cancellation.CancelledException e = assertThrows(Cancellation.CancelledException.class,
                    () -> c.call(() -> f.store.check(true)));
            assertTrue(e.getMessage().startsWith("check cancelled"), e.getMessage());
            assertTrue(f.store.check(true).clean(), "outside the cancelled command the same check runs to its end");
        }
    }

    @Test
    void aCheckpointOutsideACancellableCommandDoesNothing() throws Exception {
        Cancellation.checkpoint();
        Cancellation c = new Cancellation("get");
        c.call(() -> {
            Cancellation.checkpoint(); // not cancelled yet
            return null;
        });
        c.cancel();
        Cancellation.checkpoint(); // this thread runs no cancellable command any more
    }
}
