package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.crypto.ChunkId;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which chunks a sequential reader prefetches and releases, and that a random reader does neither. */
class SequentialReadsTest {

    static final long MIB = 1 << 20;

    /** 32 chunks of 1 MiB; chunk 5 is a hole. */
    record Mib(int n) implements SequentialReads.Chunks {
        @Override
        public int count() {
            return n;
        }

        @Override
        public long start(int i) {
            return i * MIB;
        }

        @Override
        public ChunkRef ref(int i) {
            if (i == 5) {
                return ChunkRef.hole((int) MIB);
            }
            byte[] b = new byte[32];
            b[0] = (byte) i;
            return new ChunkRef(ChunkId.of(b), (int) MIB);
        }
    }

    final List<Integer> prefetched = new ArrayList<>();
    final List<Integer> released = new ArrayList<>();
    final ChunkStore store = (ChunkStore) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ChunkStore.class}, (proxy, m, args) -> {
                switch (m.getName()) {
                    case "prefetch" -> prefetched.add((int) ((ChunkId) args[0]).toBytes()[0]);
                    case "release" -> released.add((int) ((ChunkId) args[0]).toBytes()[0]);
                    default -> throw new UnsupportedOperationException(m.getName());
                }
                return null;
            });

    @Test
    void aSequentialReaderPrefetchesAheadAndReleasesBehindEachChunkOnce() {
        SequentialReads s = new SequentialReads(store);
        Mib chunks = new Mib(32);
        Object source = new Object();
        s.onRead(source, chunks, 0, MIB / 2, 1);
        assertEquals(List.of(1, 2, 3, 4, 6, 7, 8), prefetched, "the next 8 MiB, not the hole");
        assertEquals(List.of(), released);
        for (long off = MIB / 2; off < 6 * MIB; off += MIB / 2) {
            s.onRead(source, chunks, off, off + MIB / 2, (int) ((off + MIB / 2 - 1) / MIB) + 1);
        }
        assertEquals(List.of(0, 1, 2, 3), released, "chunks ending 2 MiB or more behind 6 MiB");
        assertEquals(List.of(1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13), prefetched, "each once, up to 14 MiB");
    }

    @Test
    void aRandomReaderNeitherPrefetchesNorReleases() {
        SequentialReads s = new SequentialReads(store);
        Mib chunks = new Mib(32);
        Object source = new Object();
        s.onRead(source, chunks, 20 * MIB, 20 * MIB + 4096, 21);
        s.onRead(source, chunks, 9 * MIB, 9 * MIB + 4096, 10);
        assertEquals(List.of(), prefetched);
        assertEquals(List.of(), released);
    }
}
