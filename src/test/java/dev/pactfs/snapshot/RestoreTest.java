package dev.pactfs.snapshot;

import static dev.pactfs.snapshot.SnapshotServiceTest.n;
import static dev.pactfs.snapshot.SnapshotServiceTest.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.fs.Attr;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.PactFs;
import dev.pactfs.fs.TestRepo;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restore copies out every stat field the live tree had at snapshot time (needs root for owners and devices). */
@org.junit.jupiter.api.Timeout(120)
class RestoreTest {

    @TempDir
    Path tmp;

    static final long T = 1_600_000_000_123_456_789L;

    @Test
    void restoreKeepsModesOwnersTimesLinksXattrsAndHoles() throws Exception {
        try (TestRepo repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")))) {
            PactFs fs = repo.fs;
            long d = fs.mkdir(PactFs.ROOT, n("d"), 02750, Caller.ROOT).ino();
            long f = write(fs, d, "data", StoreFixture.random(7, 300_000));
            fs.chown(f, 1234, 5678);
            fs.chmod(f, 04751);
            fs.setxattr(f, n("user.comment"), n("hello"), 0);
            fs.link(f, PactFs.ROOT, n("hardlink"));
            fs.symlink(d, n("sym"), n("../hardlink"), new Caller(42, 43));
            // sparse: 1 MiB hole, 10 bytes, then a trailing hole up to 3 MiB
            PactFs.Created c = fs.create(PactFs.ROOT, n("sparse"), 0600, PactFs.O_WRONLY, Caller.ROOT);
            fs.write(c.handle(), 1 << 20, n("0123456789"), 0, 10);
            fs.ftruncate(c.handle(), 3 << 20);
            fs.release(c.handle());
            fs.mknod(PactFs.ROOT, n("fifo"), 0010640, 0, Caller.ROOT);
            for (long ino : new long[] {f, d, fs.lookup(PactFs.ROOT, n("sparse"))}) {
                fs.utimens(ino, T + ino, T + 1000 + ino);
            }
            SnapshotService snaps = new SnapshotService(repo.store);
            SnapshotRecord s = snaps.create("r", null, fs).record();

            Path out = tmp.resolve("out");
            Restorer.Progress p = new Restorer(repo.store, snaps.trees(), null).restore(s, "", out);
            assertEquals(300_000 + 10, p.bytes());

            Path data = out.resolve("d/data");
            assertStat(fs.getattr(f), data); // before reading content: a read may update atime
            assertStat(fs.getattr(d), out.resolve("d"));
            assertStat(fs.getattr(fs.lookup(PactFs.ROOT, n("sparse"))), out.resolve("sparse"));
            assertArrayEquals(StoreFixture.random(7, 300_000), Files.readAllBytes(data));
            assertEquals(Files.getAttribute(data, "unix:ino"), Files.getAttribute(out.resolve("hardlink"), "unix:ino"),
                    "hard link re-linked");
            assertEquals(2, Files.getAttribute(data, "unix:nlink"));
            assertEquals("../hardlink", Files.readSymbolicLink(out.resolve("d/sym")).toString());
            assertEquals(42, Files.getAttribute(out.resolve("d/sym"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
            UserDefinedFileAttributeView xv = Files.getFileAttributeView(data, UserDefinedFileAttributeView.class);
            ByteBuffer buf = ByteBuffer.allocate(64);
            xv.read("comment", buf);
            assertEquals("hello", new String(buf.array(), 0, buf.position()));
            Path sparse = out.resolve("sparse");
            assertEquals(3 << 20, Files.size(sparse));
            byte[] sb = Files.readAllBytes(sparse);
            assertEquals('0', sb[1 << 20]);
            assertEquals(0, sb[0]);
            long blocks = Long.parseLong(new String(new ProcessBuilder("stat", "-c", "%b", sparse.toString()).start()
                    .getInputStream().readAllBytes()).trim());
            assertTrue(blocks * 512 < 1 << 20, "restored sparse file allocates " + blocks + " blocks");
            assertEquals(Integer.toOctalString(0010640),
                    Integer.toOctalString((Integer) Files.getAttribute(out.resolve("fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS)));

            // a single path: into an existing directory
            Path one = Files.createDirectories(tmp.resolve("one"));
            new Restorer(repo.store, snaps.trees(), null).restore(s, "d/data", one);
            assertArrayEquals(StoreFixture.random(7, 300_000), Files.readAllBytes(one.resolve("data")));
        }
    }

    private static void assertStat(Attr a, Path p) throws IOException {
        Map<String, Object> st = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,lastAccessTime",
                LinkOption.NOFOLLOW_LINKS);
        assertEquals(Integer.toOctalString(a.mode()), Integer.toOctalString((Integer) st.get("mode")), p + " mode");
        assertEquals(a.uid(), st.get("uid"), p + " uid");
        assertEquals(a.gid(), st.get("gid"), p + " gid");
        if (a.isFile()) {
            assertEquals(a.size(), st.get("size"), p + " size");
        }
        assertEquals(a.mtimeNs(), ((FileTime) st.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), p + " mtime");
        assertEquals(a.atimeNs(), ((FileTime) st.get("lastAccessTime")).to(TimeUnit.NANOSECONDS), p + " atime");
    }
}
