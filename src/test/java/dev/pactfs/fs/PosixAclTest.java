package dev.pactfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ACL xattrs behave as on ext4: mode sync, equivalent ACLs not stored, chmod, default ACL inheritance. */
class PosixAclTest {

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

    /** entries as {tag, perm, id} triples. */
    static byte[] acl(int... e) {
        ByteBuffer b = ByteBuffer.allocate(4 + e.length / 3 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(2);
        for (int i = 0; i < e.length; i += 3) {
            b.putShort((short) e[i]).putShort((short) e[i + 1]).putInt(e[i + 2]);
        }
        return b.array();
    }

    static final int U = 1, NU = 2, G = 4, NG = 8, M = 0x10, O = 0x20, X = -1;

    long file(long parent, String name, int mode) throws IOException {
        PactFs.Created c = fs.create(parent, NamespaceTest.n(name), mode, 2, Caller.ROOT);
        fs.release(c.handle());
        return c.attr().ino();
    }

    @Test
    void anAclEquivalentToAModeSetsTheModeAndIsNotStored() throws IOException {
        long f = file(PactFs.ROOT, "f", 0600);
        fs.setxattr(f, PosixAcl.ACCESS, acl(U, 6, X, G, 4, X, O, 4, X), 0);
        assertEquals(0644, fs.getattr(f).mode() & 07777);
        assertTrue(fs.listxattr(f).isEmpty());
        assertThrows(FsException.class, () -> fs.getxattr(f, PosixAcl.ACCESS));
    }

    @Test
    void aMaskSetsTheGroupBitsAndChmodUpdatesIt() throws IOException {
        long f = file(PactFs.ROOT, "f", 0600);
        byte[] v = acl(U, 6, X, NU, 7, 1000, G, 4, X, M, 7, X, O, 0, X);
        fs.setxattr(f, PosixAcl.ACCESS, v, 0);
        assertEquals(0670, fs.getattr(f).mode() & 07777);
        assertArrayEquals(v, fs.getxattr(f, PosixAcl.ACCESS));
        fs.chmod(f, 0640);
        assertArrayEquals(acl(U, 6, X, NU, 7, 1000, G, 4, X, M, 4, X, O, 0, X), fs.getxattr(f, PosixAcl.ACCESS));
        assertThrows(FsException.class, () -> fs.setxattr(f, PosixAcl.ACCESS, acl(U, 6, X, NU, 7, 1000, G, 4, X, O, 0, X), 0));
    }

    @Test
    void aDefaultAclIsInherited() throws IOException {
        long d = fs.mkdir(PactFs.ROOT, NamespaceTest.n("d"), 0755, Caller.ROOT).ino();
        byte[] dflt = acl(U, 7, X, G, 5, X, NG, 5, 50, M, 5, X, O, 5, X);
        fs.setxattr(d, PosixAcl.DEFAULT, dflt, 0);
        long f = file(d, "f", 0644);
        assertEquals(0644, fs.getattr(f).mode() & 07777);
        assertArrayEquals(acl(U, 6, X, G, 5, X, NG, 5, 50, M, 4, X, O, 4, X), fs.getxattr(f, PosixAcl.ACCESS));
        long sub = fs.mkdir(d, NamespaceTest.n("sub"), 0755, Caller.ROOT).ino();
        assertEquals(0755, fs.getattr(sub).mode() & 07777);
        assertArrayEquals(dflt, fs.getxattr(sub, PosixAcl.DEFAULT));
        assertThrows(FsException.class, () -> fs.setxattr(f, PosixAcl.DEFAULT, dflt, 0));
    }
}
