package dev.pactfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A repo where every long command has work to show progress for: garbage in packs, blobs not yet at the partner. */
final class ProgressRepo {

    private ProgressRepo() {
    }

    /** init, one.bin, s1, two.txt, s2 (nothing replicated yet), then {@link #garbage} once. */
    static JsonCli create(Path tmp) throws IOException {
        JsonCli c = new JsonCli(tmp);
        c.twoSnapshots();
        garbage(c, "junk1");
        return c;
    }

    /**
     * A pack of dead blobs for prune or gc to compact: 2 MB put as {@code name} (in a pack of its own: each process
     * writes a new pack), then replaced by a small file before any snapshot holds it.
     */
    static void garbage(JsonCli c, String name) throws IOException {
        byte[] junk = new byte[2_000_000];
        new java.util.Random(name.hashCode()).nextBytes(junk);
        Path file = c.tmp.resolve(name + ".bin");
        Files.write(file, junk);
        c.inProcess("put", "--repo", c.repo, "--key-file", c.key, file.toString(), name);
        c.inProcess("put", "--repo", c.repo, "--key-file", c.key, c.tmp.resolve("two.txt").toString(), name);
    }
}
