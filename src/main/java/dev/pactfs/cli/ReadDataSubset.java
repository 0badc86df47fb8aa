package dev.pactfs.cli;

import dev.pactfs.crypto.ChunkId;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * restic's {@code --read-data-subset}: {@code N/M} reads group N of M (a blob's group is its id's first two bytes
 * modulo M, so running 1/M to M/M over M nights reads every blob once, and ids, being keyed hashes, spread evenly);
 * {@code N%} reads a random N percent of the blobs, a different sample each run.
 */
final class ReadDataSubset {

    private ReadDataSubset() {
    }

    static Predicate<ChunkId> parse(String s) {
        try {
            if (s.endsWith("%")) {
                double pct = Double.parseDouble(s.substring(0, s.length() - 1));
                if (!(pct > 0 && pct <= 100)) {
                    throw new NumberFormatException();
                }
                return id -> ThreadLocalRandom.current().nextDouble(100) < pct;
            }
            String[] p = s.split("/");
            if (p.length == 2) {
                int n = Integer.parseInt(p[0]);
                int m = Integer.parseInt(p[1]);
                if (m >= 1 && n >= 1 && n <= m) {
                    return id -> group(id, m) == n - 1;
                }
            }
        } catch (NumberFormatException e) {
            // the one message below
        }
        throw new UserError("--read-data-subset " + s + ": use N/M (group N of M, 1 <= N <= M) or N% (0 < N <= 100)");
    }

    static int group(ChunkId id, int m) {
        byte[] b = id.toBytes();
        return (((b[0] & 0xff) << 8) | (b[1] & 0xff)) % m;
    }
}
