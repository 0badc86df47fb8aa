package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A local pack cut short (a crash of the disk, not of pactfs): check and get name the pack file and the record. */
@Timeout(120)
class TruncatedPackTest {

    @TempDir
    Path tmp;

    @Test
    void checkAndGetNameTheTruncatedPackAndRecord() throws Exception {
        Path repo = tmp.resolve("repo");
        Path key = tmp.resolve("k.key");
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", key.toString()).exit());
        byte[] data = new byte[3 << 20];
        new SplittableRandom(13).nextBytes(data);
        Path file = Files.write(tmp.resolve("data.bin"), data);
        CliRun.Result put = CliRun.run("put", "--repo", repo.toString(), "--key-file", key.toString(), file.toString(), "data.bin");
        assertEquals(0, put.exit(), put.toString());

        Path pack;
        try (Stream<Path> s = Files.walk(repo)) {
            List<Path> packs = s.filter(p -> p.toString().endsWith(".pack")).toList();
            pack = packs.stream().max(Comparator.comparingLong(TruncatedPackTest::size)).orElseThrow();
        }
        long half = size(pack) / 2;
        try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.WRITE)) {
            ch.truncate(half);
        }

        CliRun.Result check = CliRun.run("check", "--repo", repo.toString(), "--key-file", key.toString());
        assertEquals(1, check.exit(), check.toString());
        List<String> problems = check.out().lines().filter(l -> l.startsWith("problem: ")).toList();
        assertFalse(problems.isEmpty(), check.toString());
        for (String p : problems) {
            assertTrue(p.matches("problem: local pack " + java.util.regex.Pattern.quote(pack.toString())
                    + " is truncated: it ends at byte " + half + ", inside the record of blob [0-9a-f]{64} \\(offset \\d+, \\d+ bytes\\)"), p);
        }

        Path out = tmp.resolve("out.bin");
        CliRun.Result get = CliRun.run("get", "--repo", repo.toString(), "--key-file", key.toString(), "data.bin", out.toString());
        assertEquals(1, get.exit(), get.toString());
        assertEquals(1, get.err().strip().lines().count(), get.toString());
        assertTrue(get.err().contains("local pack " + pack + " is truncated"), get.toString());
        assertFalse(get.err().contains("internal error") || get.err().contains("Exception"), get.toString());
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
