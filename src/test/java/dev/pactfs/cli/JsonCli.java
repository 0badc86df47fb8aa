package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the `--json` tests share: the command under test runs through the launcher (its own JVM, stdout and stderr
 * apart, as a script sees them); the repo it reads is set up in this JVM with {@link CliRun}, which saves a JVM
 * start per setup step on a loaded machine. A machine key, so no Argon2 run anywhere.
 */
final class JsonCli {

    private static final Duration T = Duration.ofMinutes(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path tmp;
    final String repo;
    final String key;
    final Path partner;
    /** 300 000 random bytes, put as one.bin; two.txt holds "second file\n" (12 bytes). */
    final byte[] one = new byte[300_000];

    JsonCli(Path tmp) throws IOException {
        this.tmp = tmp;
        this.repo = tmp.resolve("repo").toString();
        this.key = tmp.resolve("m.key").toString();
        this.partner = Files.createDirectory(tmp.resolve("partner"));
        new java.util.Random(1).nextBytes(one);
        Files.write(tmp.resolve("one.bin"), one);
        Files.writeString(tmp.resolve("two.txt"), "second file\n");
    }

    Sh.Result pactfs(String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(MountFixture.launcher().toString());
        argv.addAll(List.of(args));
        return Sh.run(null, Map.of("PACTFS_PASSPHRASE", ""), T, argv);
    }

    /** Runs through the launcher, expects exit 0 and parses stdout, which must be one JSON document. */
    JsonNode json(String... args) throws Exception {
        Sh.Result r = pactfs(args).ok();
        return JSON.readTree(r.out());
    }

    /** In this JVM: a step that sets up what the command under test reads. */
    void inProcess(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(0, r.exit(), r.toString());
    }

    void init() {
        inProcess("init", "--repo", repo, "--partner", partner.toString(), "--key-file", key);
    }

    void put(String name) {
        inProcess("put", "--repo", repo, "--key-file", key, tmp.resolve(name).toString(), name);
    }

    void snapshot(String name) {
        inProcess("snapshot", "create", "--repo", repo, "--key-file", key, "--name", name);
    }

    /** init; one.bin; snapshot s1; two.txt; snapshot s2. */
    void twoSnapshots() {
        init();
        put("one.bin");
        snapshot("s1");
        put("two.txt");
        snapshot("s2");
    }
}
