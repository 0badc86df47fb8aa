package dev.pactfs.snapshot;

import dev.pactfs.posix.Fd;
import dev.pactfs.posix.Posix;
import dev.pactfs.posix.PosixException;
import java.nio.charset.StandardCharsets;

/**
 * The file a directory restore keeps at the top of its target while it runs, naming what it restores (snapshot,
 * root tree, path). A rerun that finds its own marker continues the restore; any other non-empty target is
 * refused unless the user chose an overwrite mode, so a restore never mixes into a directory it did not make.
 * Removed when the restore completes; left behind by a crash or kill, on purpose.
 */
final class RestoreMarker {

    /** The marker's name in the target directory. */
    static final byte[] NAME = ".pactfs-restore-in-progress".getBytes(StandardCharsets.US_ASCII);
    private static final String HEADER = "pactfs restore in progress; rerun the same restore to continue\n";
    /** Longest marker read back: anything bigger is not one of ours. */
    private static final int MAX_BYTES = 4096;

    private RestoreMarker() {
    }

    static byte[] content(SnapshotRecord snap, String path) {
        return (HEADER + "snapshot " + snap.name() + " " + snap.root().toHex() + "\npath /" + path + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** What a marker says it restores, for a message ("snapshot s1:/etc"). */
    static String describe(byte[] marker) {
        String[] lines = new String(marker, StandardCharsets.UTF_8).split("\n");
        String snap = lines.length > 1 ? lines[1].replaceFirst("^snapshot (\\S+).*", "$1") : "?";
        String path = lines.length > 2 ? lines[2].replaceFirst("^path ", "") : "?";
        return "snapshot " + snap + ":" + path;
    }

    /** The marker in {@code dir}, or null if there is none (a symlink or a directory in its place is none). */
    static byte[] read(Fd dir) throws PosixException {
        Posix.Stat st = Posix.lstatAt(dir, NAME);
        if (st == null || !st.isRegular()) {
            return null;
        }
        try (Fd f = Posix.openAt(dir, NAME, Posix.O_RDONLY | Posix.O_NONBLOCK, 0)) {
            byte[] buf = new byte[MAX_BYTES];
            int n = Posix.pread(f, buf, 0);
            return java.util.Arrays.copyOf(buf, n);
        }
    }

    static void write(Fd dir, byte[] content) throws PosixException {
        try (Fd f = Posix.openAt(dir, NAME, Posix.O_WRONLY | Posix.O_CREAT | Posix.O_TRUNC, 0600)) {
            Posix.pwriteFully(f, content, content.length, 0);
        }
    }

    static void remove(Fd dir) throws PosixException {
        try {
            Posix.unlinkAt(dir, NAME, false);
        } catch (PosixException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    /** Whether {@code dir} has no entries (statx on its link count is not enough: files do not count there). */
    static boolean isEmpty(Fd dir) throws java.io.IOException {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd/" + dir.fd()))) {
            return s.findAny().isEmpty();
        }
    }
}
