package dev.pactfs.store;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/*
 * What resemblance delta saves on a series of versions of one file (a nightly pg_dump, a tar), with the store's
 * own pieces: FastCDC (default sizes), exact dedup, SuperFeatures, DeltaCodec, Compression, and the store's
 * base-selection and re-base policy (DeltaPolicy). The first file is the first backup; for each later file it
 * prints what that night adds: new chunks, their plain zstd size, what was stored as delta and how, and the
 * estimated bytes that reach the partner (sealed blobs + pack/index entries + the file's chunk list).
 *
 * Base search, as in the store: (1) the hint, the chunk of the previous version covering the same offset
 * (the previous version of the same file name); (2) the super-feature index of full chunks. A delta's base is
 * always a full chunk (depth 1).
 *
 * Run: mvn -q test-compile && java -Xmx6g -cp target/test-classes:target/classes:$(cat cp.txt) \
 *        dev.pactfs.store.DeltaStudy /work/benchdata/night-{1..7}.sql
 *   -Dstudy.hints=false   feature index only (a file replaced by rename: no previous version of the name)
 *   -Dstudy.rebase=0.25   re-base threshold (DeltaPolicy.REBASE_RATIO)
 */
public final class DeltaStudy {

    /** Per new blob at the partner: pack trailer entry 49 + index entry 49+4, + 36 for a delta's base edge. */
    static final int BLOB_META = 102;
    /** Per chunk reference of the file's chunk list (tree blob entry, compressed): as ChunkSizeStudy. */
    static final int CHUNK_REF_META = 40;
    static final int SEAL = 29;

    record Full(byte[] data, long[] sf) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: DeltaStudy FILE1 FILE2 [FILE3 ...]");
            System.exit(2);
        }
        boolean check = Boolean.parseBoolean(System.getProperty("study.check", "false"));
        boolean hints = Boolean.parseBoolean(System.getProperty("study.hints", "true"));
        double rebase = Double.parseDouble(System.getProperty("study.rebase", String.valueOf(DeltaPolicy.REBASE_RATIO)));
        byte[] seed = new byte[32];
        new SplittableRandom(20261126).nextBytes(seed);
        ChunkerParams params = ChunkerParams.DEFAULT;

        Map<ByteBuffer, Integer> known = new HashMap<>();      // sha256 -> chunk number
        Map<Integer, Full> full = new HashMap<>();              // chunk number -> bytes of full chunks
        Map<Integer, Integer> deltaBase = new HashMap<>();      // delta chunk -> its base
        Map<Long, List<Integer>> sfIndex = new HashMap<>();     // super-feature -> full chunks
        List<long[]> previous = null;                           // previous file: {offset, length, chunk}
        System.out.printf(Locale.ROOT, "# DeltaStudy %s, chunks %d/%d/%d, hints %s, rebase %.2f%n",
                java.time.Instant.now(), params.minSize(), params.avgSize(), params.maxSize(), hints, rebase);
        System.out.printf(Locale.ROOT, "%-14s %6s %6s %11s %11s %5s %5s %5s %6s %11s %11s %11s %6s%n",
                "file", "chunks", "new", "new plain", "zstd only", "dHint", "dFeat", "full", "rebase",
                "delta bytes", "stored", "partner", "s");
        int next = 0;
        List<Long> perNight = new ArrayList<>();
        for (int fi = 0; fi < args.length; fi++) {
            long t0 = System.nanoTime();
            Path file = Path.of(args[fi]);
            List<byte[]> chunks = new ArrayList<>();
            Chunker chunker = Chunker.fastCdc(params, seed);
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[128 << 10];
                int n;
                while ((n = in.read(buf)) > 0) {
                    chunker.update(buf, 0, n, chunks::add);
                }
            }
            chunker.finish(chunks::add);
            List<long[]> layout = new ArrayList<>();
            long off = 0;
            long newPlain = 0, zstdOnly = 0, deltaBytes = 0, stored = 0, meta = 0;
            int nNew = 0, dHint = 0, dFeat = 0, nFull = 0, nRebase = 0;
            for (byte[] c : chunks) {
                ByteBuffer h = ByteBuffer.wrap(sha256(c));
                Integer num = known.get(h);
                if (num == null) {
                    num = next++;
                    known.put(h, num);
                    nNew++;
                    newPlain += c.length;
                    byte[] z = Compression.frame(c);
                    zstdOnly += z.length + SEAL;
                    long[] sf = SuperFeatures.of(c);
                    // Candidate bases: the hint (resolved to its full base), then the feature index.
                    List<Integer> candidates = new ArrayList<>();
                    if (hints && previous != null) {
                        Integer hint = covering(previous, off);
                        if (hint != null) {
                            candidates.add(deltaBase.getOrDefault(hint, hint));
                        }
                    }
                    int hintCount = candidates.size();
                    if (sf != null) {
                        Integer best = bestBySuperFeatures(sfIndex, sf);
                        if (best != null && !candidates.contains(best)) {
                            candidates.add(best);
                        }
                    }
                    boolean storedAsDelta = false;
                    int bestFramed = Integer.MAX_VALUE;
                    int bestCi = -1;
                    for (int ci = 0; ci < candidates.size(); ci++) {
                        Full base = full.get(candidates.get(ci));
                        if (base == null || !DeltaCodec.usableBase(base.data())) {
                            continue;
                        }
                        byte[] d = DeltaCodec.encode(base.data(), c);
                        if (check && !Arrays2.equals(DeltaCodec.decode(base.data(), d, 0, d.length, c.length), c)) {
                            throw new AssertionError("delta does not round-trip");
                        }
                        if (1 + 32 + d.length < bestFramed) {
                            bestFramed = 1 + 32 + d.length;
                            bestCi = ci;
                        }
                    }
                    if (bestCi >= 0) {
                        DeltaPolicy.Verdict v = DeltaPolicy.judge(bestFramed, z.length, rebase);
                        if (v == DeltaPolicy.Verdict.DELTA) {
                            storedAsDelta = true;
                            deltaBase.put(num, candidates.get(bestCi));
                            deltaBytes += bestFramed + SEAL;
                            stored += bestFramed + SEAL;
                            meta += BLOB_META + 36;
                            if (bestCi < hintCount) {
                                dHint++;
                            } else {
                                dFeat++;
                            }
                        } else if (v == DeltaPolicy.Verdict.REBASE) {
                            nRebase++;
                        }
                    }
                    if (!storedAsDelta) {
                        nFull++;
                        stored += z.length + SEAL;
                        meta += BLOB_META;
                        full.put(num, new Full(c, sf));
                        if (sf != null) {
                            for (long s : sf) {
                                sfIndex.computeIfAbsent(s, k -> new ArrayList<>(1)).add(num);
                            }
                        }
                    }
                }
                layout.add(new long[] {off, c.length, num});
                off += c.length;
            }
            meta += (long) chunks.size() * CHUNK_REF_META;
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%-14s %6d %6d %11d %11d %5d %5d %5d %6d %11d %11d %11d %6.1f%n",
                    file.getFileName(), chunks.size(), nNew, newPlain, zstdOnly, dHint, dFeat, nFull, nRebase,
                    deltaBytes, stored, stored + meta, s);
            if (fi > 0) {
                perNight.add(stored + meta);
            }
            previous = layout;
        }
        List<Long> sorted = new ArrayList<>(perNight);
        sorted.sort(null);
        if (!sorted.isEmpty()) {
            long median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                    : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
            System.out.printf(Locale.ROOT, "median partner bytes per later file: %d%n", median);
        }
    }

    static final class Arrays2 {
        static boolean equals(byte[] a, byte[] b) {
            return java.util.Arrays.equals(a, b);
        }
    }

    /** The chunk of {@code layout} covering byte {@code off}. */
    static Integer covering(List<long[]> layout, long off) {
        int lo = 0, hi = layout.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long[] e = layout.get(mid);
            if (off < e[0]) {
                hi = mid - 1;
            } else if (off >= e[0] + e[1]) {
                lo = mid + 1;
            } else {
                return (int) e[2];
            }
        }
        return null;
    }

    /** The full chunk sharing the most super-features, newest on ties (as FeatureIndex does). */
    static Integer bestBySuperFeatures(Map<Long, List<Integer>> index, long[] sf) {
        Map<Integer, Integer> votes = new HashMap<>();
        for (long s : sf) {
            for (Integer c : index.getOrDefault(s, List.of())) {
                votes.merge(c, 1, Integer::sum);
            }
        }
        Integer best = null;
        int bestVotes = 0;
        for (Map.Entry<Integer, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes || (e.getValue() == bestVotes && e.getKey() > best)) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    static byte[] sha256(byte[] b) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
