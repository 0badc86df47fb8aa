package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link PartnerTarget} contract; each implementation supplies only {@link #newTarget()}. */
abstract class PartnerTargetContract {

    PartnerTarget target;

    /** A fresh, empty target whose copy directory exists (with a config for repo {@link #repoId()}). */
    abstract PartnerTarget newTarget() throws IOException;

    /** The repo id the config of {@link #newTarget()} names. */
    String repoId() {
        return "r1";
    }

    @BeforeEach
    void open() throws IOException {
        target = newTarget();
    }

    @AfterEach
    void close() throws IOException {
        target.close();
    }

    static String nameOf(byte[] b) {
        return Envelope.nameOf(b);
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void sizesListEveryFileOfAKindWithItsSizeAndNothingElse() throws IOException {
        byte[] a = bytes(1000, 11);
        byte[] b = bytes(70, 12);
        byte[] m = bytes(300, 13);
        target.save(PartnerTarget.Kind.PACK, nameOf(a), a);
        target.save(PartnerTarget.Kind.PACK, nameOf(b), b);
        target.save(PartnerTarget.Kind.MANIFEST, nameOf(m), m);
        assertEquals(new java.util.TreeMap<>(java.util.Map.of(nameOf(a), 1000L, nameOf(b), 70L)),
                target.sizes(PartnerTarget.Kind.PACK));
        assertEquals(java.util.Map.of(nameOf(m), 300L), target.sizes(PartnerTarget.Kind.MANIFEST));
        assertEquals(java.util.Map.of(), target.sizes(PartnerTarget.Kind.SNAPSHOT));
    }

    @Test
    void savedFileLoadsBackWholeAndRanged() throws IOException {
        byte[] data = bytes(100_000, 1);
        String name = nameOf(data);
        target.save(PartnerTarget.Kind.PACK, name, data);
        assertArrayEquals(data, target.load(PartnerTarget.Kind.PACK, name));
        byte[] part = target.load(PartnerTarget.Kind.PACK, name, 1000, 500);
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 1500), part);
        assertEquals(data.length, target.stat(PartnerTarget.Kind.PACK, name));
    }

    @Test
    void savingAnExistingNameIsANoOp() throws IOException {
        byte[] data = bytes(1000, 2);
        String name = nameOf(data);
        target.save(PartnerTarget.Kind.INDEX, name, data);
        target.save(PartnerTarget.Kind.INDEX, name, data);
        assertEquals(List.of(name), target.list(PartnerTarget.Kind.INDEX));
        assertArrayEquals(data, target.load(PartnerTarget.Kind.INDEX, name));
    }

    @Test
    void missingFileIsNotFoundDistinctly() {
        String name = nameOf(new byte[] {1});
        IOException e = assertThrows(IOException.class, () -> target.load(PartnerTarget.Kind.SNAPSHOT, name));
        assertTrue(e instanceof NoSuchFileException && PartnerTarget.isNotFound(e), e.toString());
        IOException s = assertThrows(IOException.class, () -> target.stat(PartnerTarget.Kind.PACK, name));
        assertTrue(PartnerTarget.isNotFound(s), s.toString());
    }

    @Test
    void rangeBeyondTheEndIsAnErrorNotShortData() throws IOException {
        byte[] data = bytes(100, 3);
        String name = nameOf(data);
        target.save(PartnerTarget.Kind.PACK, name, data);
        assertThrows(EOFException.class, () -> target.load(PartnerTarget.Kind.PACK, name, 50, 51));
    }

    @Test
    void listShowsEachKindSeparatelyAndDeleteIsIdempotent() throws IOException {
        byte[] a = bytes(10, 4);
        byte[] b = bytes(10, 5);
        target.save(PartnerTarget.Kind.PACK, nameOf(a), a);
        target.save(PartnerTarget.Kind.SNAPSHOT, nameOf(b), b);
        assertEquals(List.of(nameOf(a)), target.list(PartnerTarget.Kind.PACK));
        assertEquals(List.of(nameOf(b)), target.list(PartnerTarget.Kind.SNAPSHOT));
        assertEquals(List.of(), target.list(PartnerTarget.Kind.INDEX));
        target.delete(PartnerTarget.Kind.PACK, nameOf(a));
        target.delete(PartnerTarget.Kind.PACK, nameOf(a));
        assertEquals(List.of(), target.list(PartnerTarget.Kind.PACK));
    }

    @Test
    void configIsReadable() throws IOException {
        String cfg = new String(target.load(PartnerTarget.Kind.CONFIG, "config"), StandardCharsets.UTF_8);
        assertEquals(repoId(), GuardedTarget.parseRepoId(cfg));
    }

    @Test
    void concurrentSavesOfManyFilesAllLand() throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(8);
        List<Future<String>> fs = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int seed = i;
            fs.add(ex.submit(() -> {
                byte[] d = bytes(5000, 100 + seed);
                target.save(PartnerTarget.Kind.PACK, nameOf(d), d);
                return nameOf(d);
            }));
        }
        List<String> names = new ArrayList<>();
        for (Future<String> f : fs) {
            names.add(f.get());
        }
        ex.shutdown();
        names.sort(null);
        assertEquals(names, target.list(PartnerTarget.Kind.PACK));
        assertEquals(0, target.cleanup());
    }

    @Test
    void badNamesAreCallerBugs() {
        assertThrows(IllegalArgumentException.class, () -> target.save(PartnerTarget.Kind.PACK, "../x", new byte[1]));
    }
}
