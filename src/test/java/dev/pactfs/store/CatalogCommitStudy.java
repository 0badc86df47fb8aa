package dev.pactfs.store;

import java.nio.file.Files;
import java.nio.file.Path;

/*
 * What a writing catalog commit costs with each writer of H2's file, in one JVM, for decision 0005: the catalog's
 * flusher (H2's autoCommitDelay -1, as shipped), H2's own background writer (500, the journal's first version) and a
 * chunk per commit (0, as before the journal). One catalog in a temporary directory; the modes alternate, ROUNDS times,
 * each after WARM commits; the figure is Catalog.stats()'s mean commit time of N one-row MERGE transactions, and
 * the store's version count shows how many chunks H2 wrote meanwhile. Early rounds carry the JIT's warm-up: read
 * the last ones.
 *
 * Run: java -cp target/test-classes:target/classes:$(cat cp.txt) dev.pactfs.store.CatalogCommitStudy [ROUNDS]
 */
public final class CatalogCommitStudy {

    private static final int WARM = 500;
    private static final int N = 2000;

    private CatalogCommitStudy() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        Path dir = Files.createTempDirectory("catalog-commit-study");
        Path repo = Files.createDirectories(dir.resolve("repo"));
        try (Catalog c = Catalog.open(repo, true)) {
            for (int round = 1; round <= rounds; round++) {
                for (int mode : new int[] {Catalog.NO_BACKGROUND_WRITER, 500, 0}) {
                    c.h2Store().setAutoCommitDelay(mode);
                    for (int i = 0; i < WARM; i++) {
                        TestSql.putMeta(c, "w" + i);
                    }
                    long commit0 = c.stats().commitNanos();
                    long version0 = c.h2Store().getCurrentVersion();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < N; i++) {
                        TestSql.putMeta(c, "k" + (i % 200));
                    }
                    long t1 = System.nanoTime();
                    System.out.printf("round %d, autoCommitDelay %4d: transaction %6.1f µs, commit %6.1f µs, chunks written %d%n",
                            round, mode, (t1 - t0) / 1e3 / N, (c.stats().commitNanos() - commit0) / 1e3 / N,
                            c.h2Store().getCurrentVersion() - version0);
                }
            }
            c.h2Store().setAutoCommitDelay(Catalog.NO_BACKGROUND_WRITER);
        }
    }
}
