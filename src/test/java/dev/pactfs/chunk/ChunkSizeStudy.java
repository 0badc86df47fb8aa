package dev.pactfs.chunk;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/*
 * Measures what a chunk size costs on real backup data, for docs/decisions/chunk-size.md.
 *
 * For each dataset (a file in version A and version B) and each min/avg/max set, it chunks A as
 * the previous backup, then B as tonight's, and reports what tonight's backup adds: B's chunks not
 * already stored (from A or earlier in B), their raw and zstd-3 size (as the store keeps them: raw
 * when zstd does not shrink a chunk), and the per-chunk metadata at METADATA_BYTES_PER_CHUNK for
 * every chunk reference in B's chunk list (the list is rewritten whenever the file changes, so all
 * of it travels). "WAN" = new compressed bytes + that metadata, i.e. what replication sends.
 *
 * The gear seed is fixed and arbitrary: boundary statistics do not depend on the key, only the
 * positions do.
 *
 * Run: java -cp target/test-classes:target/classes:$(cat cp.txt) dev.pactfs.chunk.ChunkSizeStudy \
 *        NAME A B [NAME A B ...]
 * with -Dstudy.sizes=16:64:256,32:128:512 (min:avg:max in KiB) to measure other sets instead, and
 * -Dstudy.seed=N to check that a figure is not an accident of one gear table.
 */
public final class ChunkSizeStudy {

    /** Assumed catalog cost of one chunk reference plus its share of a chunk-index entry, bytes. */
    static final int METADATA_BYTES_PER_CHUNK = 100;

    /** zstd level the store uses by default (DESIGN.md). */
    static final int ZSTD_LEVEL = 3;

    /** Read size; 128 KiB is what FUSE delivers with max_write=131072. */
    static final int READ_BYTES = 128 * 1024;

    static final List<ChunkerParams> DEFAULT_PARAM_SETS = List.of(
            new ChunkerParams(64 << 10, 256 << 10, 1 << 20),
            new ChunkerParams(128 << 10, 512 << 10, 2 << 20),
            new ChunkerParams(256 << 10, 1 << 20, 4 << 20));

    private ChunkSizeStudy() {}

    /** What chunking B after A produced. */
    record Result(String dataset, ChunkerParams params, long bytesA, long chunksA, long bytesB, long chunksB,
            long newChunks, long newBytes, long newZstdBytes, double seconds) {

        long metadataBytes() {
            return chunksB * METADATA_BYTES_PER_CHUNK;
        }

        long wanBytes() {
            return newZstdBytes + metadataBytes();
        }
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0 || args.length % 3 != 0) {
            System.err.println("usage: ChunkSizeStudy NAME FILE_A FILE_B [NAME FILE_A FILE_B ...]");
            System.exit(2);
        }
        byte[] seed = new byte[32];
        new SplittableRandom(Long.getLong("study.seed", 20261126)).nextBytes(seed);
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < args.length; i += 3) {
            for (ChunkerParams params : paramSets(System.getProperty("study.sizes"))) {
                Result r = study(args[i], Path.of(args[i + 1]), Path.of(args[i + 2]), params, seed);
                results.add(r);
                System.err.println(format(r));
            }
        }
        System.out.println("| dataset | min/avg/max KiB | A size | chunks A | B size | chunks B | mean chunk B | new chunks B "
                + "| new bytes B | new zstd-3 | metadata (B chunks x 100 B) | WAN = zstd + metadata |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        results.forEach(r -> System.out.println(format(r)));
    }

    static List<ChunkerParams> paramSets(String spec) {
        if (spec == null || spec.isBlank()) {
            return DEFAULT_PARAM_SETS;
        }
        List<ChunkerParams> sets = new ArrayList<>();
        for (String set : spec.split(",")) {
            String[] kib = set.trim().split(":");
            sets.add(new ChunkerParams(
                    Integer.parseInt(kib[0]) << 10, Integer.parseInt(kib[1]) << 10, Integer.parseInt(kib[2]) << 10));
        }
        return sets;
    }

    static Result study(String name, Path a, Path b, ChunkerParams params, byte[] seed) throws IOException {
        long start = System.nanoTime();
        Set<ByteBuffer> stored = new HashSet<>();
        long[] countA = new long[1];
        long bytesA = chunkFile(a, params, seed, chunk -> {
            countA[0]++;
            stored.add(sha256(chunk));
        });
        long[] stats = new long[4]; // chunks, new chunks, new bytes, new compressed bytes
        long bytesB = chunkFile(b, params, seed, chunk -> {
            stats[0]++;
            if (stored.add(sha256(chunk))) {
                stats[1]++;
                stats[2] += chunk.length;
                stats[3] += Math.min(chunk.length, Zstd.compress(chunk, ZSTD_LEVEL).length);
            }
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(name, params, bytesA, countA[0], bytesB, stats[0], stats[1], stats[2], stats[3], seconds);
    }

    private static long chunkFile(Path file, ChunkerParams params, byte[] seed, ChunkSink sink) throws IOException {
        Chunker chunker = Chunker.fastCdc(params, seed);
        byte[] buf = new byte[READ_BYTES];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                chunker.update(buf, 0, n, sink);
                total += n;
            }
        }
        chunker.finish(sink);
        return total;
    }

    private static ByteBuffer sha256(byte[] chunk) {
        try {
            return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(chunk));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String format(Result r) {
        ChunkerParams p = r.params();
        return String.format(Locale.ROOT, "| %s | %d/%d/%d | %s | %d | %s | %d | %s | %d | %s | %s | %s | %s |",
                r.dataset(), p.minSize() >> 10, p.avgSize() >> 10, p.maxSize() >> 10,
                mib(r.bytesA()), r.chunksA(), mib(r.bytesB()), r.chunksB(),
                kib(r.chunksB() == 0 ? 0 : r.bytesB() / r.chunksB()), r.newChunks(), mib(r.newBytes()),
                mib(r.newZstdBytes()), mib(r.metadataBytes()), mib(r.wanBytes()));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0);
    }

    private static String kib(long bytes) {
        return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
    }
}
