package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.FsException;
import dev.pactfs.fs.PactFs;
import dev.pactfs.snapshot.Restorer;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the real layers: seven nights of a tar-like archive and a database dump written through the
 * filesystem, a snapshot each night (the snapshot layer's trees and records), replicated each night; then the
 * local repo is gone and the partner copy alone, with only the key file (and again only the paper key), restores
 * every file of every snapshot byte for byte. A flipped byte in a pack is then named by recover, down to files.
 */
@Timeout(600)
class SevenNightsRecoveryTest {

    @TempDir
    Path tmp;

    static final ChunkerParams CHUNKS = new ChunkerParams(2048, 8192, 32768);

    static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void write(PactFs fs, String name, byte[] data) throws IOException {
        try {
            fs.unlink(PactFs.ROOT, n(name));
        } catch (FsException e) {
            // first night
        }
        PactFs.Created c = fs.create(PactFs.ROOT, n(name), 0644, PactFs.O_WRONLY, Caller.ROOT);
        for (int off = 0; off < data.length; off += 128 * 1024) {
            int len = Math.min(128 * 1024, data.length - off);
            fs.write(c.handle(), off, data, off, len);
        }
        fs.fsync(c.handle());
        fs.release(c.handle());
    }

    /** Night n's files: an archive that changes a little each night and a dump that grows. */
    static Map<String, byte[]> night(int n, byte[] base) {
        byte[] tar = base.clone();
        SplittableRandom r = new SplittableRandom(n);
        for (int i = 0; i < 20 * n; i++) {
            tar[r.nextInt(tar.length)] ^= (byte) (1 + r.nextInt(255));
        }
        StringBuilder dump = new StringBuilder("-- PostgreSQL dump night ").append(n).append('\n');
        for (int i = 0; i < 20_000 + 1000 * n; i++) {
            dump.append("INSERT INTO payroll VALUES (").append(i).append(", 'employee-").append(i * 7919 % 10007)
                    .append("', ").append((i * 31 + n) % 100_000).append(");\n");
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put("full-" + n + ".tar", tar);
        out.put("acme.sql", dump.toString().getBytes(StandardCharsets.UTF_8));
        return out;
    }

    @Test
    void sevenNightsRecoverByteIdenticalFromThePartnerWithKeyFileAndWithPaperKey() throws Exception {
        Path partner = tmp.resolve("partner");
        PartnerFixture f = PartnerFixture.create(tmp, partner);
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        byte[] base = StoreFixture.random(42, 3 << 20);
        Map<Integer, Map<String, byte[]>> expected = new LinkedHashMap<>();
        Replicator rep = f.replicator(f.target(), 512 * 1024);
        try (PactFs fs = PactFs.open(f.s.catalog, f.s.store, f.repoDir, () -> Chunker.fastCdc(CHUNKS, f.keys.cdcSeed()))) {
            SnapshotService snaps = new SnapshotService(f.s.store);
            for (int n = 1; n <= 7; n++) {
                Map<String, byte[]> files = night(n, base);
                if (n > 1) {
                    fs.unlink(PactFs.ROOT, n("full-" + (n - 1) + ".tar"));
                }
                for (Map.Entry<String, byte[]> e : files.entrySet()) {
                    write(fs, e.getKey(), e.getValue());
                }
                snaps.create("night-" + n, "nightly", fs);
                Replicator.PassResult p = rep.runPass();
                assertEquals(1, p.snapshots(), "night " + n);
                if (n > 1) {
                    assertTrue(p.bytes() < 1_500_000, "night " + n + " sent " + p.bytes() + " bytes");
                }
                expected.put(n, files);
            }
        }
        f.close();
        assertTrue(HostedScrub.scrub(partner, l -> { }).clean());

        for (String how : new String[] {"key-file", "paper-key"}) {
            Path r = tmp.resolve("recovered-" + how);
            CliRun.Result rec = how.equals("key-file")
                    ? CliRun.run("recover", "--partner", partner.toString(), "--repo", r.toString(), "--key-file", key.toString())
                    : CliRun.run("recover", "--partner", partner.toString(), "--repo", r.toString(), "--paper-key-file",
                            Files.writeString(tmp.resolve("paper.txt"), PaperKey.encode(f.key) + "\n").toString(),
                            "--passphrase-file", Files.writeString(tmp.resolve("pass.txt"), "recovered\n").toString());
            assertEquals(0, rec.exit(), rec.toString());
            assertRestores(f, r, expected);
        }

        // A flipped byte in the newest pack: recover names the affected files and restores everything else.
        Path newest;
        try (Stream<Path> s = Files.walk(f.copyDir.resolve("packs"))) {
            newest = s.filter(Files::isRegularFile).max((a, b) -> {
                try {
                    return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).orElseThrow();
        }
        byte[] b = Files.readAllBytes(newest);
        b[Envelope.HEADER + 10] ^= 1;
        Files.write(newest, b);
        Path r = tmp.resolve("recovered-damaged");
        CliRun.Result rec = CliRun.run("recover", "--partner", partner.toString(), "--repo", r.toString(), "--key-file", key.toString());
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("cannot restore: night-7:/"), rec.out());
        assertTrue(rec.out().contains("recovered repo"), rec.out());
        // Every night but the last restores completely.
        Map<Integer, Map<String, byte[]>> intact = new LinkedHashMap<>(expected);
        intact.remove(7);
        assertRestores(f, r, intact);
    }

    static void assertRestores(PartnerFixture f, Path repo, Map<Integer, Map<String, byte[]>> expected) throws IOException {
        try (StoreFixture st = StoreFixture.open(repo, f.keys)) {
            SnapshotService snaps = new SnapshotService(st.store);
            for (Map.Entry<Integer, Map<String, byte[]>> night : expected.entrySet()) {
                Path out = repo.getParent().resolve("restore-" + repo.getFileName() + "-" + night.getKey());
                new Restorer(st.store, snaps.trees(), null).restore(snaps.get("night-" + night.getKey()), "", out);
                for (Map.Entry<String, byte[]> file : night.getValue().entrySet()) {
                    assertArrayEquals(file.getValue(), Files.readAllBytes(out.resolve(file.getKey())),
                            "night " + night.getKey() + " " + file.getKey());
                }
                try (Stream<Path> s = Files.list(out)) {
                    assertEquals(night.getValue().size(), s.count());
                }
            }
        }
    }
}
