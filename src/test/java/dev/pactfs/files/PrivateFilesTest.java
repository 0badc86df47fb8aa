package dev.pactfs.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Everything PrivateFiles creates is owner-only from the start, whatever the source or the parent's mode. */
class PrivateFilesTest {

    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void directoriesAre0700AndFiles0600() throws IOException {
        Path open = tmp.resolve("open");
        Files.createDirectory(open, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx")); // past the umask
        assertEquals("rwx------", mode(PrivateFiles.createDirectory(open.resolve("d"))));
        Path deep = PrivateFiles.createDirectories(open.resolve("a/b/c"));
        assertEquals("rwx------", mode(deep));
        assertEquals("rwx------", mode(open.resolve("a")), "every missing parent is made 0700 too");
        assertEquals("rw-------", mode(PrivateFiles.createFile(open.resolve("f"))));
        assertEquals("rw-------", mode(PrivateFiles.createTempFile(open, "t-", ".tmp")));
        assertEquals("rwx------", mode(PrivateFiles.createTempDirectory(open, "td-")));
        try (FileChannel ch = PrivateFiles.open(open.resolve("c"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals("rw-------", mode(open.resolve("c")), "0600 while still open for writing");
        }
        PrivateFiles.writeNew(open.resolve("w"), "text");
        assertEquals("rw-------", mode(open.resolve("w")));
        assertEquals("text", Files.readString(open.resolve("w")));
        assertThrows(FileAlreadyExistsException.class, () -> PrivateFiles.writeNew(open.resolve("w"), "again"));
    }

    @Test
    void aCopyIs0600WhateverTheSourceMode() throws IOException {
        Path src = Files.writeString(tmp.resolve("src"), "key bytes");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
        Path dst = tmp.resolve("dst");
        PrivateFiles.copyNew(src, dst);
        assertEquals("rw-------", mode(dst));
        assertEquals("key bytes", Files.readString(dst));
        assertThrows(FileAlreadyExistsException.class, () -> PrivateFiles.copyNew(src, dst));
    }

    @Test
    void restrictTakesGroupAndOtherBitsOffAndLeavesSymlinksAlone() throws IOException {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr--"));
        assertTrue(PrivateFiles.restrict(f));
        assertEquals("rwx------", mode(f));
        assertFalse(PrivateFiles.restrict(f), "nothing left to change");
        Path target = Files.writeString(tmp.resolve("target"), "y");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertFalse(PrivateFiles.restrict(link));
        assertEquals("rw-r--r--", mode(target), "a symlink's target is not touched");
    }
}
