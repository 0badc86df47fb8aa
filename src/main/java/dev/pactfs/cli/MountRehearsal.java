package dev.pactfs.cli;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.files.PrivateFiles;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fuse.ReadRehearsal;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short backup rehearsed before the daemon mounts, on a throw-away repo (its own catalog, packs and random key,
 * in {@value #DIR} inside the repo, deleted afterwards): new files, the same content again, then a cold read back.
 *
 * <p>Why: HotSpot compiles a method with C2 only after thousands of calls, and the put pipeline runs through a
 * great deal of H2 code. Measured on a fresh mount, C2 took 30–50% of the CPU while the first 2 GB were written
 * (~960 methods, ~600 of them H2's, and ~1 200 recompilations), so the first backup after every mount ran at
 * two-thirds speed. Compiled code is per method, not per repo, so a rehearsal on other data compiles it for the
 * real one. It costs the mount a few seconds (bounded) and ~100 MB of temporary disk; nothing of it stays.
 * The read side ends with a drill through the FUSE adapter itself ({@link ReadRehearsal}): a cold read of 2 GB
 * right after mounting still spent ~19% of its CPU in C2 without it.
 */
final class MountRehearsal {

    private static final Logger log = LoggerFactory.getLogger(MountRehearsal.class);

    /** The rehearsal's repo, inside the real one (same filesystem, removed at the start and the end). */
    static final String DIR = "rehearsal.tmp";
    /** Bytes per rehearsed file: a few dozen chunks of the default sizes. */
    static final int FILE_BYTES = 16 << 20;
    /** Rounds at most (each: a new file and the same content again; all new files are read back at the end). */
    static final int MAX_ROUNDS = 6;
    private static final int IO_BYTES = 128 << 10;
    /** The read drill's file: ~1 000 chunks of a few KiB (DRILL_PARAMS), each load costing microseconds. */
    static final String DRILL_NAME = "drill";
    static final int DRILL_BYTES = 4 << 20;
    static final ChunkerParams DRILL_PARAMS = new ChunkerParams(1 << 10, 4 << 10, 16 << 10);
    /** Passes over the drill file at most: ~12 000 chunk loads and as many FUSE reads in all. */
    static final int DRILL_PASSES = 12;
    /** Small requests, so the FUSE adapter runs about once per chunk (real ones are 128 KiB). */
    static final int DRILL_REQUEST_BYTES = 4 << 10;
    /** A cache far smaller than the drill file, so each pass loads every chunk again. */
    static final long DRILL_CACHE_BYTES = 256 << 10;

    private MountRehearsal() {
    }

    /**
     * Rehearses until {@code budgetMillis} have passed or {@link #MAX_ROUNDS} are done; never fails the mount.
     * Returns what was done.
     */
    static Result run(Path repoDir, ChunkerParams params, long budgetMillis) {
        long deadline = System.nanoTime() + budgetMillis * 1_000_000L;
        Path dir = repoDir.resolve(DIR);
        long started = System.nanoTime();
        int rounds = 0;
        long drilled = 0;
        try {
            PrivateFiles.deleteTree(dir);
            PrivateFiles.createDirectories(dir);
            RepoKeys keys = RepoKeys.derive(MasterKey.generate());
            Catalog catalog = Catalog.open(dir, true);
            try {
                // Writes first; then the files are read back through a second store, whose cache is empty, so the
                // read path (pack reads, decryption, decompression, verification, prefetch) is compiled too.
                try (ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(),
                        StoreOptions.defaults())) {
                    PactFs fs = PactFs.open(catalog, store, dir, () -> Chunker.fastCdc(params, keys.cdcSeed()));
                    try {
                        byte[] data = tarLike(FILE_BYTES, new Random(42));
                        Random edits = new Random(7);
                        long writeDeadline = started + (deadline - started) / 2;
                        while (rounds < MAX_ROUNDS && System.nanoTime() < writeDeadline) {
                            // A few changed lines per 64 KiB: every chunk is new but like one of the last round.
                            for (int at = edits.nextInt(4096); at < data.length; at += 65536) {
                                data[at] = (byte) ('a' + edits.nextInt(26));
                            }
                            write(fs, "new-" + rounds, data);
                            write(fs, "again-" + rounds, data);
                            rounds++;
                        }
                    } finally {
                        fs.close();
                    }
                    PactFs drill = PactFs.open(catalog, store, dir, () -> Chunker.fastCdc(DRILL_PARAMS, keys.cdcSeed()));
                    try {
                        write(drill, DRILL_NAME, tarLike(DRILL_BYTES, new Random(43)));
                    } finally {
                        drill.close();
                    }
                }
                try (ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(),
                        StoreOptions.defaults())) {
                    PactFs fs = PactFs.open(catalog, store, dir, () -> Chunker.fastCdc(params, keys.cdcSeed()));
                    try {
                        long readDeadline = System.nanoTime() + (deadline - System.nanoTime()) / 3;
                        for (int r = 0; r < rounds && System.nanoTime() < readDeadline; r++) {
                            readBack(fs, "new-" + r, FILE_BYTES);
                        }
                    } finally {
                        fs.close();
                    }
                }
                // The read drill: the small-chunk file read through the FUSE adapter again and again, from a store
                // whose cache holds almost nothing, so that every pass loads every chunk: thousands of loads and
                // FUSE reads in a second or two, where C2 needs ~10 000 calls of a method to compile it.
                StoreOptions d = StoreOptions.defaults();
                try (ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(),
                        new StoreOptions(DRILL_CACHE_BYTES, d.inflightBytes(), d.workers(), d.deltas()))) {
                    PactFs fs = PactFs.open(catalog, store, dir, () -> Chunker.fastCdc(params, keys.cdcSeed()));
                    try {
                        drilled = ReadRehearsal.readThrough(fs, "/" + DRILL_NAME, DRILL_REQUEST_BYTES, DRILL_PASSES,
                                deadline) / DRILL_BYTES;
                    } finally {
                        fs.close();
                    }
                }
            } finally {
                catalog.close();
            }
            log.info("warm-up rehearsal: {} rounds, {} read drill passes in {} ms", rounds, drilled,
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // A full disk or anything else here only costs the warm-up: the real repo is untouched.
            log.info("warm-up rehearsal stopped after {} rounds: {}", rounds, e.toString());
        } finally {
            try {
                PrivateFiles.deleteTree(dir);
            } catch (IOException e) {
                log.warn("could not remove {}: {}", dir, e.toString());
            }
        }
        return new Result(rounds, drilled);
    }

    /** Write rounds completed (each: a new file and the same content again), and passes of the read drill. */
    record Result(int rounds, long drillPasses) {
    }

    private static void write(PactFs fs, String name, byte[] data) throws IOException {
        long fh = fs.create(PactFs.ROOT, bytes(name), 0644, PactFs.O_WRONLY, Caller.ROOT).handle();
        try {
            for (int off = 0; off < data.length; off += IO_BYTES) {
                fs.write(fh, off, data, off, Math.min(IO_BYTES, data.length - off));
            }
        } finally {
            fs.release(fh);
        }
    }

    private static void readBack(PactFs fs, String name, int length) throws IOException {
        long fh = fs.open(fs.lookup(PactFs.ROOT, bytes(name)), PactFs.O_RDONLY);
        try {
            byte[] buf = new byte[IO_BYTES];
            for (long off = 0; off < length; off += IO_BYTES) {
                fs.read(fh, off, buf, 0, IO_BYTES);
            }
        } finally {
            fs.release(fh);
        }
    }

    /** Text lines of a small vocabulary with some binary and zero runs: compresses about 3:1, like a tar of /usr. */
    static byte[] tarLike(int length, Random rnd) {
        String[] words = new String[512];
        for (int i = 0; i < words.length; i++) {
            StringBuilder w = new StringBuilder();
            for (int k = 2 + rnd.nextInt(8); k > 0; k--) {
                w.append((char) ('a' + rnd.nextInt(26)));
            }
            words[i] = w.toString();
        }
        byte[] out = new byte[length];
        int at = 0;
        while (at < length) {
            int kind = rnd.nextInt(16);
            int run = Math.min(length - at, 512 + rnd.nextInt(4096));
            if (kind == 0) {
                at += run; // zeros
            } else if (kind < 3) {
                byte[] r = new byte[run];
                rnd.nextBytes(r);
                System.arraycopy(r, 0, out, at, run);
                at += run;
            } else {
                int end = at + run;
                while (at < end) {
                    byte[] w = (words[rnd.nextInt(words.length)] + (rnd.nextInt(12) == 0 ? "\n" : " "))
                            .getBytes(StandardCharsets.US_ASCII);
                    int n = Math.min(w.length, end - at);
                    System.arraycopy(w, 0, out, at, n);
                    at += n;
                }
            }
        }
        return out;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
