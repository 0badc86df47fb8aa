package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pactfs.fs.TestRepo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Through a real FUSE mount served in this JVM. Needs /dev/fuse, fusermount and libfuse2 (root in CI). */
@Timeout(120)
class MountTest {

    @TempDir
    Path tmp;
    TestRepo repo;
    Path mnt;
    Thread loop;

    @BeforeEach
    void mount() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")) && Files.exists(Path.of("/usr/bin/fusermount")),
                "no FUSE on this machine");
        Path repoDir = Files.createDirectories(tmp.resolve("repo"));
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        repo = new TestRepo(repoDir);
        startLoop();
    }

    private void startLoop() throws Exception {
        PactFuse fuse = new PactFuse(repo.fs);
        loop = new Thread(() -> FuseMount.run(fuse, mnt, FuseMount.options(repo.dir, List.of())), "fuse-loop");
        loop.setDaemon(true);
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " ")) {
            if (System.nanoTime() > deadline || !loop.isAlive()) {
                throw new AssertionError("mount did not appear");
            }
            Thread.sleep(20);
        }
    }

    private void stopLoop() throws Exception {
        if (loop == null) {
            return;
        }
        FuseMount.unmount(mnt);
        loop.join(TimeUnit.SECONDS.toMillis(20));
        loop = null;
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            stopLoop();
        } finally {
            if (repo != null) {
                repo.close();
            }
        }
    }

    private static int sh(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", script).directory(cwd.toFile()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script timed out: " + script);
        return p.exitValue();
    }

    @Test
    void filesWrittenThroughTheMountReadBackIdenticallyAfterARemount() throws Exception {
        byte[] big = new byte[3_000_000];
        new Random(1).nextBytes(big);
        Files.write(mnt.resolve("big"), big);
        Files.createDirectories(mnt.resolve("d/e"));
        Files.writeString(mnt.resolve("d/e/small"), "hello");
        Files.createSymbolicLink(mnt.resolve("d/link"), Path.of("e/small"));
        Files.createLink(mnt.resolve("d/hard"), mnt.resolve("d/e/small"));
        long ino = (Long) Files.getAttribute(mnt.resolve("big"), "unix:ino");
        assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big")));
        assertEquals(2, Files.getAttribute(mnt.resolve("d/e/small"), "unix:nlink"));

        stopLoop();
        repo.reopen();
        startLoop();

        assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big")));
        assertEquals(ino, Files.getAttribute(mnt.resolve("big"), "unix:ino"));
        assertEquals("hello", Files.readString(mnt.resolve("d/link")));
        assertEquals(2, Files.getAttribute(mnt.resolve("d/hard"), "unix:nlink"));
    }

    /** Regression: a merge once made readdir hand every name to libfuse twice (cp -a then failed with EEXIST). */
    @Test
    void readdirListsEachNameExactlyOnce() throws Exception {
        Files.createDirectories(mnt.resolve("dir"));
        java.util.Set<String> made = new java.util.TreeSet<>();
        for (int i = 0; i < 300; i++) {
            Files.writeString(mnt.resolve("dir/f" + i), "x");
            made.add("f" + i);
        }
        java.util.List<String> listed;
        try (var s = Files.list(mnt.resolve("dir"))) {
            listed = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(new java.util.ArrayList<>(made), listed);
    }

    @Test
    void randomWritesAndTruncatesMatchAPlainDirectory() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        String script = "seq 1 300000 > f; dd if=/dev/urandom of=r bs=1k count=7 2>/dev/null;"
                + " dd if=r of=f bs=1 seek=12345 conv=notrunc 2>/dev/null;"
                + " dd if=r of=f bs=333 count=5 seek=999 conv=notrunc 2>/dev/null;"
                + " truncate -s 5000000 f; echo end >> f; truncate -s 100000 f; printf x >> f; rm r";
        Files.write(tmp.resolve("r-seed"), new byte[0]);
        assertEquals(0, sh(plain, script.replace("dd if=/dev/urandom of=r bs=1k count=7", "cp " + tmp.resolve("rnd") + " r")
                .replace("cp ", "head -c 7168 /dev/zero | tr '\\0' 'q' > r; true ")));
        assertEquals(0, sh(mnt, script.replace("dd if=/dev/urandom of=r bs=1k count=7", "cp " + tmp.resolve("rnd") + " r")
                .replace("cp ", "head -c 7168 /dev/zero | tr '\\0' 'q' > r; true ")));
        assertArrayEquals(Files.readAllBytes(plain.resolve("f")), Files.readAllBytes(mnt.resolve("f")));
    }

    @Test
    void aFileUnlinkedWhileOpenStaysReadable() throws Exception {
        Path f = mnt.resolve("f");
        Files.writeString(f, "kept");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            Files.delete(f);
            byte[] b = new byte[4];
            raf.readFully(b);
            assertEquals("kept", new String(b));
            raf.write("more".getBytes());
            assertEquals(8, raf.length());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long left;
        do {
            Thread.sleep(20); // release(2) runs after close(2) returns
            try (var s = Files.list(mnt)) {
                left = s.count();
            }
        } while (left > 0 && System.nanoTime() < deadline);
        assertEquals(0, left, "the .fuse_hidden name goes away at release");
    }

    @Test
    void namesLongerThan255BytesFailWithNameTooLong() {
        FileSystemException e = assertThrows(FileSystemException.class,
                () -> Files.writeString(mnt.resolve("x".repeat(256)), "a"));
        assertTrue(String.valueOf(e.getReason()).contains("File name too long"), e.toString());
    }

    @Test
    void xattrsAndPermissionsShowThroughTheMount() throws Exception {
        Path f = mnt.resolve("f");
        Files.writeString(f, "x");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(0, sh(mnt, "setfattr -n user.k -v v f && getfattr --only-values -n user.k f | grep -qx v"
                + " && mkfifo p && test -p p"));
    }

    @Test
    void fileCapabilitiesBehaveAsOnExt4() throws Exception {
        // The kernel asks for security.capability before every write and removes it when a capable file is
        // written; pactfs answers the probe without a lookup until some file has one (PactFs.mayHaveXattr).
        String cap = "0x0100000200200000000000000000000000000000"; // v2, cap_net_raw, effective
        assertEquals(0, sh(mnt, "echo a > c && echo b > plain"
                + " && ! getfattr -n security.capability plain 2>/dev/null"
                + " && setfattr -n security.capability -v " + cap + " c"
                + " && getfattr -e hex -n security.capability c | grep -qx 'security.capability=" + cap + "'"
                + " && echo more >> c && ! getfattr -n security.capability c 2>/dev/null"));
    }
}
