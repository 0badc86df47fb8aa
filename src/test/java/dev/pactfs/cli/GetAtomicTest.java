package dev.pactfs.cli;

import static dev.pactfs.cli.RestoreCliTest.assertOneLineError;
import static dev.pactfs.cli.RestoreCliTest.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.store.StoreFixture;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code get} publishes its output only when complete: a damaged pack leaves no partial file behind. */
@Timeout(120)
class GetAtomicTest {

    @TempDir
    Path tmp;

    @Test
    void aTruncatedLocalPackLeavesNoPartialOutput() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        ok(CliRun.run("init", "--repo", repo, "--key-file", key, "--chunk-sizes", "16/64/256"));
        byte[] data = StoreFixture.random(11, 3 << 20);
        ok(CliRun.run("put", "--repo", repo, "--key-file", key, Files.write(tmp.resolve("in"), data).toString(), "f"));
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path out = outDir.resolve("f");
        ok(CliRun.run("get", "--repo", repo, "--key-file", key, "f", out.toString()));
        assertArrayEquals(data, Files.readAllBytes(out));
        Files.delete(out);

        try (Stream<Path> packs = Files.list(Path.of(repo, "packs"))) {
            for (Path p : packs.filter(p -> p.toString().endsWith(".pack")).toList()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2);
                }
            }
        }
        assertOneLineError(CliRun.run("get", "--repo", repo, "--key-file", key, "f", out.toString()), "nothing written to");
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(List.of(), s.toList(), "neither the output nor its temporary name");
        }
    }
}
