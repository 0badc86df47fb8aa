package dev.pactfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class NamespaceTest {

    @TempDir
    Path dir;
    TestRepo repo;
    PactFs fs;

    @BeforeEach
    void setUp() throws IOException {
        repo = new TestRepo(dir);
        fs = repo.fs;
    }

    @AfterEach
    void tearDown() throws IOException {
        repo.close();
    }

    static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void assertErrno(int errno, Executable e) {
        FsException x = assertThrows(FsException.class, e);
        assertEquals(errno, x.errno(), x.getMessage());
    }

    long file(long parent, String name) throws IOException {
        PactFs.Created c = fs.create(parent, n(name), 0644, 2, Caller.ROOT);
        fs.release(c.handle());
        return c.attr().ino();
    }

    @Test
    void getattrOfAPathIsTheInodesAndFailsAsTheWalkWould() throws IOException {
        long d = fs.mkdir(1, n("d"), 0755, Caller.ROOT).ino();
        long f = file(d, "f");
        assertEquals(fs.getattr(f), fs.getattr(List.of(n("d"), n("f"))));
        assertEquals(fs.getattr(1), fs.getattr(List.of()), "the empty path is the root");
        assertErrno(Errno.ENOENT, () -> fs.getattr(List.of(n("d"), n("missing"))));
        assertErrno(Errno.ENOTDIR, () -> fs.getattr(List.of(n("d"), n("f"), n("x"))));
    }

    @Test
    void rootIsInodeOneAndInodeNumbersSurviveARemount() throws IOException {
        assertTrue(fs.getattr(1).isDir());
        long d = fs.mkdir(1, n("d"), 0755, Caller.ROOT).ino();
        long f = file(d, "f");
        repo.reopen();
        assertEquals(d, repo.fs.lookup(1, n("d")));
        assertEquals(f, repo.fs.resolve(List.of(n("d"), n("f"))));
    }

    @Test
    void mkdirCountsSubdirectoriesInTheParentsLinkCount() throws IOException {
        long d = fs.mkdir(1, n("d"), 0755, Caller.ROOT).ino();
        fs.mkdir(d, n("a"), 0755, Caller.ROOT);
        fs.mkdir(d, n("b"), 0755, Caller.ROOT);
        file(d, "f");
        assertEquals(4, fs.getattr(d).nlink());
        fs.rmdir(d, n("a"));
        assertEquals(3, fs.getattr(d).nlink());
    }

    @Test
    void errorsAreThoseOfExt4() throws IOException {
        long d = fs.mkdir(1, n("d"), 0755, Caller.ROOT).ino();
        long f = file(d, "f");
        assertErrno(Errno.EEXIST, () -> fs.mkdir(1, n("d"), 0755, Caller.ROOT));
        assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(1, n("d")));
        assertErrno(Errno.ENOENT, () -> fs.lookup(1, n("nope")));
        assertErrno(Errno.ENOTDIR, () -> fs.lookup(f, n("x")));
        assertErrno(Errno.ENOTDIR, () -> fs.rmdir(d, n("f")));
        assertErrno(Errno.EISDIR, () -> fs.unlink(1, n("d")));
        assertErrno(Errno.ENAMETOOLONG, () -> file(1, "x".repeat(256)));
        file(1, "y".repeat(255));
        assertErrno(Errno.EPERM, () -> fs.link(d, 1, n("dl")));
        assertErrno(Errno.EINVAL, () -> fs.rename(1, n("d"), d, n("inside")));
        long sub = fs.mkdir(d, n("sub"), 0755, Caller.ROOT).ino();
        assertErrno(Errno.EINVAL, () -> fs.rename(1, n("d"), sub, n("deeper")));
        assertErrno(Errno.EISDIR, () -> fs.rename(d, n("f"), d, n("sub")));
        assertErrno(Errno.ENOTDIR, () -> fs.rename(d, n("sub"), d, n("f")));
    }

    @Test
    void hardLinksCountTheirNamesAndKeepTheContentUntilTheLastOneGoes() throws IOException {
        PactFs.Created c = fs.create(1, n("a"), 0644, 2, Caller.ROOT);
        fs.write(c.handle(), 0, n("data"), 0, 4);
        fs.release(c.handle());
        long ino = c.attr().ino();
        fs.link(ino, 1, n("b"));
        assertEquals(2, fs.getattr(ino).nlink());
        fs.unlink(1, n("a"));
        assertEquals(1, fs.getattr(ino).nlink());
        assertEquals(4, fs.getattr(fs.lookup(1, n("b"))).size());
        fs.unlink(1, n("b"));
        assertErrno(Errno.ENOENT, () -> fs.getattr(ino));
        repo.assertStoreClean();
    }

    @Test
    void renameReplacesAnExistingFileAndMovesDirectoriesAcrossParents() throws IOException {
        long a = file(1, "a");
        long b = file(1, "b");
        fs.rename(1, n("a"), 1, n("b"));
        assertEquals(a, fs.lookup(1, n("b")));
        assertErrno(Errno.ENOENT, () -> fs.lookup(1, n("a")));
        assertErrno(Errno.ENOENT, () -> fs.getattr(b));
        long d1 = fs.mkdir(1, n("d1"), 0755, Caller.ROOT).ino();
        long d2 = fs.mkdir(1, n("d2"), 0755, Caller.ROOT).ino();
        long x = fs.mkdir(d1, n("x"), 0755, Caller.ROOT).ino();
        fs.rename(d1, n("x"), d2, n("x"));
        assertEquals(2, fs.getattr(d1).nlink());
        assertEquals(3, fs.getattr(d2).nlink());
        assertEquals(d2, fs.lookup(x, n("..")));
        fs.mkdir(1, n("empty"), 0755, Caller.ROOT);
        fs.rename(1, n("d1"), 1, n("empty"));
        assertEquals(d1, fs.lookup(1, n("empty")));
        fs.rename(1, n("b"), 1, n("b")); // same name: nothing happens
        assertEquals(a, fs.lookup(1, n("b")));
    }

    @Test
    void aFileUnlinkedWhileOpenStaysReadableThroughItsHandleAndIsThenRemoved() throws IOException {
        PactFs.Created c = fs.create(1, n("f"), 0644, 2, Caller.ROOT);
        fs.write(c.handle(), 0, n("still here"), 0, 10);
        fs.flush(c.handle());
        fs.unlink(1, n("f"));
        byte[] b = new byte[10];
        assertEquals(10, fs.read(c.handle(), 0, b, 0, 10));
        assertArrayEquals(n("still here"), b);
        fs.write(c.handle(), 10, n("!"), 0, 1);
        fs.release(c.handle());
        assertErrno(Errno.ENOENT, () -> fs.getattr(c.attr().ino()));
        repo.assertStoreClean();
    }

    @Test
    void anOrphanLeftByACrashIsRemovedAtTheNextOpen() throws IOException {
        PactFs.Created c = fs.create(1, n("f"), 0644, 2, Caller.ROOT);
        fs.write(c.handle(), 0, n("orphan"), 0, 6);
        fs.flush(c.handle());
        fs.unlink(1, n("f"));
        repo.crashAndReopen();
        assertErrno(Errno.ENOENT, () -> repo.fs.getattr(c.attr().ino()));
        repo.assertStoreClean();
    }

    @Test
    void xattrCreateAndReplaceFlagsBehaveAsSetxattr() throws IOException {
        long f = file(1, "f");
        fs.setxattr(f, n("user.a"), n("1"), PactFs.XATTR_CREATE);
        assertErrno(Errno.EEXIST, () -> fs.setxattr(f, n("user.a"), n("2"), PactFs.XATTR_CREATE));
        assertErrno(Errno.ENODATA, () -> fs.setxattr(f, n("user.b"), n("2"), PactFs.XATTR_REPLACE));
        fs.setxattr(f, n("user.a"), n("3"), PactFs.XATTR_REPLACE);
        assertArrayEquals(n("3"), fs.getxattr(f, n("user.a")));
        fs.setxattr(f, n("user.b"), new byte[0], 0);
        assertEquals(2, fs.listxattr(f).size());
        fs.removexattr(f, n("user.a"));
        assertErrno(Errno.ENODATA, () -> fs.getxattr(f, n("user.a")));
        assertErrno(Errno.ENODATA, () -> fs.removexattr(f, n("user.a")));
    }

    @Test
    void capabilityProbeIsAnsweredWithoutLookupOnlyWhileNoFileHasOne() throws IOException {
        byte[] cap = n("security.capability");
        assertTrue(fs.mayHaveXattr(n("user.a")));
        assertFalse(fs.mayHaveXattr(cap), "a fresh tree has no file capabilities");
        long f = file(1, "f");
        fs.setxattr(f, cap, new byte[20], 0);
        assertTrue(fs.mayHaveXattr(cap));
        repo.reopen();
        assertTrue(repo.fs.mayHaveXattr(cap), "found again at open");
        repo.fs.removexattr(f, cap);
        repo.reopen();
        assertFalse(repo.fs.mayHaveXattr(cap), "none left at open");
    }

    @Test
    void symlinksFifosAndAttributesRoundTrip() throws IOException {
        long s = fs.symlink(1, n("s"), n("target/path"), Caller.ROOT).ino();
        assertArrayEquals(n("target/path"), fs.readlink(s));
        assertEquals(Modes.S_IFLNK | 0777, fs.getattr(s).mode());
        long p = fs.mknod(1, n("p"), Modes.S_IFIFO | 0640, 0, new Caller(7, 8)).ino();
        Attr pa = fs.getattr(p);
        assertEquals(Modes.S_IFIFO | 0640, pa.mode());
        assertEquals(7, pa.uid());
        fs.chmod(p, 0600);
        fs.chown(p, 9, -1);
        fs.utimens(p, 1_000_000_123L, 2_000_000_456L);
        Attr after = fs.getattr(p);
        assertEquals(Modes.S_IFIFO | 0600, after.mode());
        assertEquals(9, after.uid());
        assertEquals(8, after.gid());
        assertEquals(1_000_000_123L, after.atimeNs());
        assertEquals(2_000_000_456L, after.mtimeNs());
    }

    @Test
    void aSetgidDirectoryPassesItsGroupToNewEntries() throws IOException {
        long d = fs.mkdir(1, n("d"), 02775, new Caller(0, 50)).ino();
        Attr f = fs.getattr(file(d, "f"));
        assertEquals(50, f.gid());
        Attr sub = fs.mkdir(d, n("sub"), 0755, Caller.ROOT);
        assertEquals(50, sub.gid());
        assertEquals(Modes.S_ISGID, sub.mode() & Modes.S_ISGID);
    }

    @Test
    void readdirListsDotEntriesThenNamesInByteOrder() throws IOException {
        long d = fs.mkdir(1, n("d"), 0755, Caller.ROOT).ino();
        file(d, "b");
        file(d, "a");
        List<DirEntry> all = fs.readdir(d);
        assertEquals(List.of(".", "..", "a", "b"), all.stream().map(e -> new String(e.name())).toList());
        assertEquals(1, fs.readdir(d).get(1).ino());
        assertEquals(2, fs.readdir(d, 2).size());
    }
}
