package dev.pactfs.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The posix calls keep their three promises: raw names, no symlink followed, no name leaving its directory. */
class PosixTest {

    @TempDir
    Path tmp;

    static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void namesAreBytesNotText() throws Exception {
        byte[] ff = {'x', (byte) 0xff};
        byte[] fe = {'x', (byte) 0xfe};
        try (Fd dir = Posix.openDirectoryPath(n(tmp.toString()))) {
            for (byte[] name : List.of(ff, fe)) {
                try (Fd f = Posix.openAt(dir, name, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_EXCL, 0600)) {
                    Posix.pwriteFully(f, name, name.length, 0);
                }
            }
            for (byte[] name : List.of(ff, fe)) {
                try (Fd f = Posix.openAt(dir, name, Posix.O_RDONLY, 0)) {
                    byte[] buf = new byte[8];
                    assertArrayEquals(name, Arrays.copyOf(buf, Posix.pread(f, buf, 0)));
                }
            }
            assertNull(Posix.lstatAt(dir, n("missing")));
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(2, s.count());
        }
    }

    @Test
    void aSymlinkIsNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(tmp.resolve("link"), outside);
        try (Fd dir = Posix.openDirectoryPath(n(tmp.toString()))) {
            PosixException e = assertThrows(PosixException.class, () -> Posix.openDirectoryAt(dir, n("link")));
            assertTrue(e.isSymlinkOrNotDirectory(), e.getMessage());
            assertTrue(e.getMessage().contains("openat link"), e.getMessage());
            assertThrows(PosixException.class, () -> Posix.openAt(dir, n("link"), Posix.O_WRONLY, 0));
            assertTrue(Posix.lstatAt(dir, n("link")).isSymlink());
            Posix.chownAt(dir, n("link"), 1234, 1234); // the link's own owner
            assertThrows(PosixException.class, () -> Posix.chmodAt(dir, n("link"), 0777));
        }
        assertEquals(0, Files.getAttribute(outside, "unix:uid"));
        assertEquals(1234, Files.getAttribute(tmp.resolve("link"), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aNameThatIsNotOneComponentIsRefusedBeforeTheKernelSeesIt() throws Exception {
        Files.createDirectories(tmp.resolve("in"));
        try (Fd dir = Posix.openDirectoryPath(n(tmp.resolve("in").toString()))) {
            for (String bad : List.of("..", ".", "", "a/b", "/etc", "a\0b")) {
                PosixException e = assertThrows(PosixException.class, () -> Posix.mkdirAt(dir, n(bad), 0700), bad);
                assertTrue(e.isRefusedName(), e.getMessage());
            }
        }
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(List.of(tmp.resolve("in")), s.toList());
        }
        assertFalse(Names.isComponent(new byte[256]));
        assertEquals("bad\\xff", Names.printable(new byte[] {'b', 'a', 'd', (byte) 0xff}));
        assertEquals("café", Names.printable("café".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        // A name planted in the mount must not drive the admin's terminal: C1 CSI (U+009B, one character in UTF-8)
        // and a right-to-left override (U+202E) come out as bytes, not as themselves.
        assertEquals("a\\xc2\\x9b2Jb", Names.printable("a\u009b2Jb".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals("x\\xe2\\x80\\xaegpj.exe", Names.printable("x\u202egpj.exe".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
