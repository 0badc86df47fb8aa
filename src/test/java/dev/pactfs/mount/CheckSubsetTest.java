package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check --read-data-subset}: groups 1/2 and 2/2 read disjoint parts that add up to what --read-data reads,
 * and a payload damaged on disk is found by exactly the group that holds it; N% reads a part; bad values are one
 * line.
 */
@Timeout(300) // 12 launcher runs: ~40 s idle, 120 s was not enough at a load of 28
class CheckSubsetTest {

    @TempDir
    Path tmp;

    static long bytesRead(Sh.Result r) {
        Matcher m = Pattern.compile("(\\d+) bytes read and verified").matcher(r.out());
        if (!m.find()) {
            throw new AssertionError("no 'bytes read' in " + r);
        }
        return Long.parseLong(m.group(1));
    }

    @Test
    void subsetsSplitTheReadAndFindDamageInTheirGroup() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        pactfs("init", "--repo", repo, "--key-file", key, "--chunk-sizes", "16/32/64").ok();
        Path data = TestData.randomFile(tmp.resolve("data.bin"), 2_000_000, 11);
        pactfs("put", "--repo", repo, "--key-file", key, data.toString(), "data.bin").ok();

        long all = bytesRead(pactfs("check", "--repo", repo, "--key-file", key, "--read-data").ok());
        long one = bytesRead(pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "1/2").ok());
        long two = bytesRead(pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "2/2").ok());
        assertEquals(all, one + two);
        assertTrue(one > all / 4 && two > all / 4, one + " + " + two + " of " + all);
        long some = bytesRead(pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "30%").ok());
        assertTrue(some > 0 && some < all, some + " of " + all);

        Path pack;
        try (Stream<Path> s = Files.list(Path.of(repo, "packs"))) {
            pack = s.filter(Files::isRegularFile).max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length()))
                    .orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x40);
        }
        int failed1 = pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "1/2").exit();
        int failed2 = pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "2/2").exit();
        assertEquals(1, failed1 + failed2, "exactly one group holds the damaged payload: " + failed1 + ", " + failed2);
        assertEquals(1, pactfs("check", "--repo", repo, "--key-file", key, "--read-data").exit());
        assertEquals(0, pactfs("check", "--repo", repo, "--key-file", key).exit()); // without reading data

        Sh.Result bad = pactfs("check", "--repo", repo, "--key-file", key, "--read-data-subset", "3/2");
        assertEquals(1, bad.exit());
        assertEquals("pactfs: --read-data-subset 3/2: use N/M (group N of M, 1 <= N <= M) or N% (0 < N <= 100)\n",
                bad.err());
    }
}
