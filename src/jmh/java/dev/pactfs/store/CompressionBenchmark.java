package dev.pactfs.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * zstd compression and decompression of 1 MiB chunks of real backup data, one thread.
 * Data: the first 64 MiB of {@code -Dpactfs.bench.file} (default /work/benchdata/usrlib.tar, an uncompressed tar
 * of /usr/lib). Throughput is in chunks per second; multiply by 1 MiB for MB/s (see docs/benchmarks.md).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CompressionBenchmark {

    static final int CHUNK = 1 << 20;
    static final int CHUNKS = 64;

    @Param({"1", "3"})
    int level;

    byte[][] chunks;
    byte[][] compressed;
    byte[] out;
    ZstdCompressCtx ctx;
    int next;

    @Setup(Level.Trial)
    public void load() throws IOException {
        String file = System.getProperty("pactfs.bench.file", "/work/benchdata/usrlib.tar");
        chunks = new byte[CHUNKS][CHUNK];
        compressed = new byte[CHUNKS][];
        try (RandomAccessFile raf = new RandomAccessFile(file, "r")) {
            for (byte[] c : chunks) {
                raf.readFully(c);
            }
        }
        ctx = new ZstdCompressCtx();
        ctx.setLevel(level);
        out = new byte[(int) Zstd.compressBound(CHUNK)];
        long total = 0;
        for (int i = 0; i < CHUNKS; i++) {
            compressed[i] = ctx.compress(chunks[i]);
            total += compressed[i].length;
        }
        System.out.printf("%nzstd level %d ratio on this data: %.2f%n", level, (double) CHUNKS * CHUNK / total);
    }

    @TearDown(Level.Trial)
    public void close() {
        ctx.close();
    }

    @Benchmark
    public int compress() {
        byte[] c = chunks[next++ & (CHUNKS - 1)];
        return ctx.compressByteArray(out, 0, out.length, c, 0, c.length);
    }

    @Benchmark
    public long decompress() {
        byte[] c = compressed[next++ & (CHUNKS - 1)];
        return Zstd.decompressByteArray(out, 0, CHUNK, c, 0, c.length);
    }
}
