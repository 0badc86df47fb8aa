package dev.pactfs.chunk;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/*
 * Chunker throughput. One invocation chunks a 64 MiB random buffer and counts as 64 operations, so
 * the reported ops/s are MiB/s (x 1.048576 for MB/s). It includes the copies into the chunk arrays
 * that the sink receives, because every caller pays them. Random data has no long runs, so nearly
 * every cut is content-defined: the slow case, since zero runs end at maxSize with fewer tests.
 *
 * pieceBytes 131072 is what FUSE hands the fs layer with max_write=131072 (every chunk straddles
 * update() calls); 67108864 is one update() per stream, the lower bound on copying.
 *
 * plainGearLoop is the baseline to quote beside it: the bare gear hash over the same buffer with
 * no cut ever taken (shared/FACTS.md's "plain Java gear loop"). The machines are shared and noisy,
 * so only the ratio of the two within one run means much.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@OperationsPerInvocation(ChunkerBenchmark.STREAM_MIB)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
@State(Scope.Thread)
public class ChunkerBenchmark {

    static final int STREAM_MIB = 64;

    @Param({"131072", "67108864"})
    int pieceBytes;

    /** min/avg/max as "min:avg:max" in KiB. */
    @Param({"256:1024:4096", "64:256:1024"})
    String sizesKib;

    private byte[] data;
    private Chunker chunker;
    private long[] gear;

    /** 48 bits: a match every 2^48 bytes, i.e. never in 64 MiB, so the loop runs without cuts. */
    private static final long NEVER_MASK = -1L << 16;

    @Setup(Level.Trial)
    public void setUp() {
        data = new byte[STREAM_MIB << 20];
        new SplittableRandom(1).nextBytes(data);
        String[] kib = sizesKib.split(":");
        ChunkerParams params = new ChunkerParams(
                Integer.parseInt(kib[0]) << 10, Integer.parseInt(kib[1]) << 10, Integer.parseInt(kib[2]) << 10);
        byte[] seed = new byte[32];
        new SplittableRandom(2).nextBytes(seed);
        chunker = Chunker.fastCdc(params, seed);
        gear = GearTable.fromSeed(seed).values();
    }

    @Benchmark
    public long plainGearLoop() {
        long[] g = gear;
        byte[] d = data;
        long h = 0;
        long hits = 0;
        for (int i = 0; i < d.length; i++) {
            h = (h << 1) + g[d[i] & 0xff];
            if ((h & NEVER_MASK) == 0) {
                hits++;
            }
        }
        return h + hits;
    }

    @Benchmark
    public void chunk(Blackhole bh) throws IOException {
        ChunkSink sink = bh::consume;
        for (int pos = 0; pos < data.length; pos += pieceBytes) {
            chunker.update(data, pos, Math.min(pieceBytes, data.length - pos), sink);
        }
        chunker.finish(sink);
    }
}
