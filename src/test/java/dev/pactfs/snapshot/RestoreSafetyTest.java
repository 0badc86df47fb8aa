package dev.pactfs.snapshot;

import static dev.pactfs.snapshot.SnapshotServiceTest.n;
import static dev.pactfs.snapshot.SnapshotServiceTest.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import dev.pactfs.posix.Fd;
import dev.pactfs.posix.Posix;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.InodeRecord.Kind;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore run as root against what a local attacker or a hostile tree can do: raw names, a directory swapped
 * for a symlink mid-restore, symlinks planted in an existing target, names that leave their directory, and the
 * modes a file has while it is written. Runs as root (the CI user), and as an unprivileged restore by option.
 */
@Timeout(120)
class RestoreSafetyTest {

    @TempDir
    Path tmp;

    @Test
    void namesThatAreNotUtf8RestoreAsTheirOwnBytes() throws Exception {
        byte[] ff = {'b', 'a', 'd', (byte) 0xff};
        byte[] fe = {'b', 'a', 'd', (byte) 0xfe};
        byte[] dff = {'d', (byte) 0xff};
        byte[] dfe = {'d', (byte) 0xfe};
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            writeRaw(fs, PactFs.ROOT, ff, n("one"));
            writeRaw(fs, PactFs.ROOT, fe, n("two"));
            writeRaw(fs, fs.mkdir(PactFs.ROOT, dff, 0755, Caller.ROOT).ino(), n("x"), n("in ff"));
            writeRaw(fs, fs.mkdir(PactFs.ROOT, dfe, 0755, Caller.ROOT).ino(), n("x"), n("in fe"));
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("raw", null, fs).record();

            Path out = tmp.resolve("out");
            new Restorer(repo.store, snaps.trees(), null).restore(s, "", out);
            try (Fd dir = Posix.openDirectoryPath(n(out.toString()))) {
                assertArrayEquals(n("one"), read(dir, ff));
                assertArrayEquals(n("two"), read(dir, fe));
                try (Fd a = Posix.openDirectoryAt(dir, dff); Fd b = Posix.openDirectoryAt(dir, dfe)) {
                    assertArrayEquals(n("in ff"), read(a, n("x")), "the two directories were not merged");
                    assertArrayEquals(n("in fe"), read(b, n("x")));
                }
            }
            try (Stream<Path> all = Files.list(out)) {
                assertEquals(4, all.count(), "four distinct names, nothing else");
            }
        }
    }

    @Test
    void aDirectorySwappedForASymlinkMidRestoreCannotRedirectWrites() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path out = tmp.resolve("out");
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            long d = fs.mkdir(PactFs.ROOT, n("d"), 0755, Caller.ROOT).ino();
            write(fs, d, "a1", n("first"));
            write(fs, d, "a2", n("second"));
            write(fs, fs.mkdir(d, n("sub"), 0755, Caller.ROOT).ino(), "s", n("deeper"));
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, fs).record();

            // the attacker's move, made right after d/a1 is written: d becomes a symlink to a directory outside
            AtomicInteger swaps = new AtomicInteger();
            Restorer r = new Restorer(repo.store, snaps.trees(), p -> {
                if (p.files() == 1 && swaps.getAndIncrement() == 0) {
                    try {
                        Files.move(out.resolve("d"), out.resolve("d.moved"));
                        Files.createSymbolicLink(out.resolve("d"), outside);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }
            });
            r.restore(s, "", out);
            assertEquals(1, swaps.get());
            assertEmpty(outside);
            assertEquals("second", Files.readString(out.resolve("d.moved/a2")), "kept writing into the directory it opened");
            assertEquals("deeper", Files.readString(out.resolve("d.moved/sub/s")));
            assertTrue(Files.isSymbolicLink(out.resolve("d")));
        }
    }

    @Test
    void symlinksPlantedInAnExistingTargetAreReplacedNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path victim = Files.writeString(tmp.resolve("victim"), "untouched");
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            write(fs, fs.mkdir(PactFs.ROOT, n("d"), 0755, Caller.ROOT).ino(), "f", n("payload"));
            write(fs, PactFs.ROOT, "file", n("top payload"));
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, fs).record();

            for (Restorer.Overwrite mode : List.of(Restorer.Overwrite.ALWAYS, Restorer.Overwrite.IF_CHANGED)) {
                Path out = Files.createDirectories(tmp.resolve("out-" + mode));
                Files.createSymbolicLink(out.resolve("d"), outside);
                Files.createSymbolicLink(out.resolve("file"), victim);
                new Restorer(repo.store, snaps.trees(), null).overwrite(mode).restore(s, "", out);
                assertEmpty(outside);
                assertEquals("untouched", Files.readString(victim), mode.toString());
                assertFalse(Files.isSymbolicLink(out.resolve("d")));
                assertEquals("payload", Files.readString(out.resolve("d/f")));
                assertEquals("top payload", Files.readString(out.resolve("file")));
            }
        }
    }

    @Test
    void filesAre0600AndDirectories0700UntilTheirContentIsComplete() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            long d = fs.mkdir(PactFs.ROOT, n("d"), 0755, Caller.ROOT).ino();
            long f = write(fs, d, "big", StoreFixture.random(3, 3 << 20));
            fs.chmod(f, 0644);
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, fs).record();
            assertTrue(snaps.trees().lookup(snaps.trees().walk(snaps.trees().rootOf(s.root()), List.of(n("d"))),
                    n("big")).chunks().size() > 1, "needs several chunks to look between two of them");

            Path out = tmp.resolve("out");
            List<String> seen = new ArrayList<>();
            // look at the half-written file each time the restorer fetches a chunk after the first
            ChunkStore spying = spy(repo.store, () -> {
                Path big = out.resolve("d/big");
                if (Files.exists(big)) {
                    seen.add(mode(big) + " " + mode(out.resolve("d")));
                }
            });
            new Restorer(spying, snaps.trees(), null).restore(s, "", out);
            assertFalse(seen.isEmpty());
            assertEquals(List.of("600 700"), seen.stream().distinct().toList(), "modes while the file was written");
            assertEquals("644", mode(out.resolve("d/big")));
            assertEquals("755", mode(out.resolve("d")));
        }
    }

    @Test
    void aHostileTreeIsATypedErrorNamingTheSnapshotPathAndWritesNothing() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            ChunkStore st = repo.store;
            ChunkId escape = st.put(BlobType.TREE, TreeCodec.encode(List.of(file(n("escape")))));
            // ".." and "a/b" are refused by the decoder; a lone "/" looks like a top tree, so the restorer refuses it
            for (byte[] bad : List.of(n(".."), n("a/b"), n("/"), n("."))) {
                ChunkId evil = st.put(BlobType.TREE, TreeCodec.encode(List.of(dir(bad, escape))));
                ChunkId rootListing = st.put(BlobType.TREE, TreeCodec.encode(List.of(dir(n("d"), evil))));
                ChunkId top = st.put(BlobType.TREE, TreeCodec.encode(List.of(dir(new byte[] {'/'}, rootListing))));
                SnapshotRecord s = new SnapshotRecord(dev.pactfs.store.SnapshotId.random(), "evil", 1, 0, "h",
                        List.of(), top, null, null);
                Path out = tmp.resolve("out" + bad.length + bad[0]).resolve("in");
                Files.createDirectories(out.getParent());
                TreeFormatException e = assertThrows(TreeFormatException.class,
                        () -> new Restorer(st, new Trees(st), null).restore(s, "", out));
                assertTrue(e.getMessage().startsWith("snapshot evil, directory /d: "), e.getMessage());
                assertTrue(e.getMessage().contains("not a file name"), e.getMessage());
            }
            try (Stream<Path> all = Files.walk(tmp)) {
                assertEquals(List.of(), all.filter(p -> p.getFileName().toString().equals("escape")).toList());
            }
        }
    }

    @Test
    void anUnprivilegedRestoreDropsOwnersSetIdBitsAndDevicesAndCountsThem() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            long f = write(fs, PactFs.ROOT, "sudo", n("#!"));
            fs.chown(f, 1234, 0);
            fs.chmod(f, 04755);
            fs.mknod(PactFs.ROOT, n("null"), 0020666, 0x103, Caller.ROOT);
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, fs).record();

            Path asUser = tmp.resolve("user");
            Restorer r = new Restorer(repo.store, snaps.trees(), null).asUnprivileged();
            r.restore(s, "", asUser);
            assertEquals(new Restorer.Counts(0, 0, 1, 1, 1), r.counts());
            assertEquals("755", mode(asUser.resolve("sudo")));
            assertEquals(Posix.euid(), Files.getAttribute(asUser.resolve("sudo"), "unix:uid"));
            assertFalse(Files.exists(asUser.resolve("null"), LinkOption.NOFOLLOW_LINKS));

            Path asRoot = tmp.resolve("root");
            Restorer rr = new Restorer(repo.store, snaps.trees(), null);
            rr.restore(s, "", asRoot);
            assertEquals(new Restorer.Counts(0, 0, 0, 0, 0), rr.counts());
            assertEquals("4755", mode(asRoot.resolve("sudo")), "an admin restoring a system keeps sudo's setuid bit");
            assertEquals(1234, Files.getAttribute(asRoot.resolve("sudo"), "unix:uid"));
            assertEquals(0x103L, Files.getAttribute(asRoot.resolve("null"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
            assertEquals("666", mode(asRoot.resolve("null")));
        }
    }

    @Test
    void aRerunIfChangedKeepsCompleteFilesAndTheirHardLinks() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            long f = write(fs, PactFs.ROOT, "a", n("linked content"));
            fs.link(f, PactFs.ROOT, n("b"));
            write(fs, PactFs.ROOT, "c", n("plain"));
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("s", null, fs).record();
            Path out = tmp.resolve("out");
            new Restorer(repo.store, snaps.trees(), null).restore(s, "", out);
            Object ino = Files.getAttribute(out.resolve("a"), "unix:ino");

            Files.writeString(out.resolve("c"), "edited");
            Restorer again = new Restorer(repo.store, snaps.trees(), null).overwrite(Restorer.Overwrite.IF_CHANGED);
            again.restore(s, "", out);
            assertEquals(1, again.counts().unchanged(), "a kept (b is its link), c rewritten");
            assertEquals(ino, Files.getAttribute(out.resolve("a"), "unix:ino"), "a was not rewritten");
            assertEquals(ino, Files.getAttribute(out.resolve("b"), "unix:ino"), "b still its link");
            assertEquals(2, Files.getAttribute(out.resolve("a"), "unix:nlink"));
            assertEquals("plain", Files.readString(out.resolve("c")));
        }
    }

    static TreeEntry file(byte[] name) {
        return new TreeEntry(name, Kind.FILE, 0644, 0, 0, 5, 1, 0, 0, 0, 0, 0, 7, List.of(),
                List.of(ChunkRef.hole(5)), null, null);
    }

    static TreeEntry dir(byte[] name, ChunkId subtree) {
        return new TreeEntry(name, Kind.DIR, 0755, 0, 0, 0, 2, 0, 0, 0, 0, 0, 8, List.of(), List.of(), subtree, null);
    }

    private static void writeRaw(PactFs fs, long dir, byte[] name, byte[] data) throws IOException {
        PactFs.Created c = fs.create(dir, name, 0644, PactFs.O_WRONLY, Caller.ROOT);
        fs.write(c.handle(), 0, data, 0, data.length);
        fs.release(c.handle());
    }

    private static byte[] read(Fd dir, byte[] name) throws IOException {
        assertNotNull(Posix.lstatAt(dir, name), "exists: " + Arrays.toString(name));
        try (Fd f = Posix.openAt(dir, name, Posix.O_RDONLY, 0)) {
            byte[] buf = new byte[100];
            return Arrays.copyOf(buf, Posix.pread(f, buf, 0));
        }
    }

    static String mode(Path p) {
        try {
            return Integer.toOctalString((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), "nothing written outside the target");
        }
    }

    /** The store, with {@code beforeGet} run before every chunk fetch but the first. */
    private static ChunkStore spy(ChunkStore real, Runnable beforeGet) {
        AtomicInteger gets = new AtomicInteger();
        return (ChunkStore) Proxy.newProxyInstance(ChunkStore.class.getClassLoader(), new Class<?>[] {ChunkStore.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("get") && args.length == 1 && gets.getAndIncrement() > 0) {
                        beforeGet.run();
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
