package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.BlobIds;
import dev.pactfs.crypto.Format1BlobIds;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TreeMigration;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A format-1 repo is refused with one line naming `pactfs migrate`; migrate re-encodes its trees, resumably. */
@Timeout(120)
class MigrateCliTest {

    @TempDir
    Path tmp;

    private Path repo;
    private String key;
    private final byte[] a1 = bytes(1, 300_000);
    private final byte[] a2 = bytes(2, 300_000);
    private final byte[] b = bytes(3, 70_000);

    /** A repo as format 1 wrote it: init, two snapshots whose trees have format-1 ids, config format 1. */
    private void makeFormat1Repo() throws Exception {
        repo = tmp.resolve("repo");
        key = tmp.resolve("k.key").toString();
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", key).exit());
        RepoKeys keys = RepoKeys.derive(KeyFile.readMachineKey(Path.of(key)));
        RepoConfig config = RepoConfig.read(repo);
        try (Session s = new Session(keys, new Format1BlobIds(keys))) {
            long docs = s.fs.mkdir(PactFs.ROOT, n("docs"), 0755, Caller.ROOT).ino();
            long sub = s.fs.mkdir(docs, n("sub"), 0750, Caller.ROOT).ino();
            s.fs.mkdir(PactFs.ROOT, n("emptydir"), 0700, Caller.ROOT);
            s.write(docs, "a", a1);
            s.write(sub, "b", b);
            s.snapshots.create("s1", null, s.fs);
            s.write(docs, "a", a2); // s2 shares docs/sub's tree with s1
            s.snapshots.create("s2", "nightly", s.fs);
        }
        config.withFormat(1).write(repo);
    }

    @Test
    void aFormat1RepoIsRefusedInOneLineAndMigrateMakesItRestoreExactly() throws Exception {
        makeFormat1Repo();
        for (String[] cmd : new String[][] {{"snapshot", "list"}, {"check"}, {"restore", "s1", tmp.resolve("x").toString()}}) {
            CliRun.Result r = run(cmd);
            assertEquals(1, r.exit(), r.toString());
            assertEquals("pactfs: " + RepoConfig.migrateHint(repo, 1), r.err().strip(), "one line, no trace");
            assertTrue(r.err().contains("run `pactfs migrate --repo " + repo + "`"), r.err());
        }
        CliRun.Result m = run("migrate");
        assertEquals(0, m.exit(), m.toString());
        assertTrue(m.out().contains("2 snapshots (2 moved to new trees"), m.out());
        assertEquals(RepoConfig.FORMAT, RepoConfig.read(repo).format());
        assertRestores();
        CliRun.Result again = run("migrate");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("nothing to do"), again.out());
    }

    @Test
    void aMigrationInterruptedBeforeTheConfigIsWrittenIsFinishedByTheNextRun() throws Exception {
        makeFormat1Repo();
        RepoKeys keys = RepoKeys.derive(KeyFile.readMachineKey(Path.of(key)));
        // What a run killed after moving the snapshots but before collecting and writing the config leaves.
        try (Session s = new Session(keys, keys.transitionalBlobIds())) {
            assertEquals(2, new TreeMigration(s.store).run().migrated());
        }
        assertEquals(1, RepoConfig.read(repo).format());
        CliRun.Result m = run("migrate");
        assertEquals(0, m.exit(), m.toString());
        assertTrue(m.out().contains("2 snapshots (0 moved to new trees"), m.out());
        assertFalse(m.out().contains(" 0 old blobs freed"), "the old trees are collected now: " + m.out());
        assertRestores();
    }

    private void assertRestores() throws IOException {
        for (String snap : new String[] {"s1", "s2"}) {
            Path to = tmp.resolve("restored-" + snap);
            CliRun.Result r = run("restore", snap, to.toString());
            assertEquals(0, r.exit(), r.toString());
            assertArrayEquals(snap.equals("s1") ? a1 : a2, Files.readAllBytes(to.resolve("docs/a")));
            assertArrayEquals(b, Files.readAllBytes(to.resolve("docs/sub/b")));
            assertTrue(Files.isDirectory(to.resolve("emptydir")));
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(to.resolve("emptydir"))));
        }
        CliRun.Result check = run("check", "--read-data");
        assertEquals(0, check.exit(), check.toString());
        assertTrue(check.out().startsWith("ok: "), check.out());
        CliRun.Result list = run("snapshot", "list");
        assertTrue(list.out().contains("nightly"), list.out());
    }

    private CliRun.Result run(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(new String[] {"--repo", repo.toString(), "--key-file", key}, 0, all, args.length, 4);
        return CliRun.run(all);
    }

    /** The repo opened in this JVM with chosen blob ids. */
    private final class Session implements AutoCloseable {
        final Catalog catalog;
        final ChunkStore store;
        final PactFs fs;
        final SnapshotService snapshots;

        Session(RepoKeys keys, BlobIds ids) throws IOException {
            RepoConfig c = RepoConfig.read(repo);
            ChunkerParams params = new ChunkerParams(c.chunkMin(), c.chunkAvg(), c.chunkMax());
            catalog = Catalog.open(repo, false);
            store = ChunkStores.open(repo, catalog, keys.blobCipher(), ids, StoreOptions.defaults());
            fs = PactFs.open(catalog, store, repo, () -> Chunker.fastCdc(params, keys.cdcSeed()));
            snapshots = new SnapshotService(store);
        }

        void write(long dir, String name, byte[] data) throws IOException {
            PactFs.Created c;
            try {
                long ino = fs.lookup(dir, n(name));
                long fh = fs.open(ino, PactFs.O_WRONLY | PactFs.O_TRUNC);
                fs.write(fh, 0, data, 0, data.length);
                fs.flush(fh);
                fs.release(fh);
                return;
            } catch (dev.pactfs.fs.FsException e) {
                c = fs.create(dir, n(name), 0644, PactFs.O_WRONLY, Caller.ROOT);
            }
            fs.write(c.handle(), 0, data, 0, data.length);
            fs.flush(c.handle());
            fs.release(c.handle());
        }

        @Override
        public void close() throws IOException {
            fs.close();
            store.close();
            catalog.close();
        }
    }

    private static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(long seed, int size) {
        byte[] out = new byte[size];
        new SplittableRandom(seed).nextBytes(out);
        return out;
    }
}
