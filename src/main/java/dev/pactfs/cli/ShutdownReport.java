package dev.pactfs.cli;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/*
 * Why a file written at mount time: `pactfs umount` runs in another process than the daemon and sees only that it
 * exited; the daemon's stderr goes to mount.log (or the journal). What it could not commit at shutdown must reach
 * the umount caller even when the repo's disk is full, which is exactly when committing fails: so the file gets
 * its SIZE bytes when the mount starts, and shutdown overwrites them in place, which needs no new block on the
 * file systems a repo lives on (ext4, xfs, tmpfs).
 *
 * Content: one state word on the first line, "running", "clean" or "failed", then one line per failure; padded with
 * spaces to SIZE bytes.
 */

/** {@code <repo>/mount.status}: what the mount daemon could not commit when it stopped, for {@code pactfs umount}. */
final class ShutdownReport {

    /** File name inside the repo directory. */
    static final String FILE_NAME = "mount.status";
    /** Bytes of the file, allocated at mount time (failures beyond are cut). */
    static final int SIZE = 4096;

    private final Path file;
    private final List<String> problems = new ArrayList<>();

    private ShutdownReport(Path file) {
        this.file = file;
    }

    /** Starts the report of a mount of {@code repoDir}: the file says "running" until {@link #finish}. */
    static ShutdownReport start(Path repoDir) {
        ShutdownReport r = new ShutdownReport(repoDir.resolve(FILE_NAME));
        try {
            Files.deleteIfExists(r.file);
            r.write("running", List.of());
        } catch (IOException e) {
            // finish() tries again; the mount itself does not depend on this file
            System.err.println("pactfs: could not write " + r.file + ": " + e.getMessage());
        }
        return r;
    }

    /** Records one thing the shutdown could not do (also printed, for mount.log). */
    synchronized void problem(String line) {
        System.err.println("pactfs: " + line);
        problems.add(line.replace('\n', ' '));
    }

    /** Writes the outcome: "clean", or "failed" with every recorded problem. */
    synchronized void finish() {
        try {
            write(problems.isEmpty() ? "clean" : "failed", problems);
        } catch (IOException e) {
            System.err.println("pactfs: could not write " + file + ": " + e.getMessage());
        }
    }

    private void write(String state, List<String> lines) throws IOException {
        StringBuilder b = new StringBuilder(state).append('\n');
        for (String l : lines) {
            b.append(l).append('\n');
        }
        byte[] text = b.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[SIZE];
        Arrays.fill(out, (byte) ' ');
        System.arraycopy(text, 0, out, 0, Math.min(text.length, SIZE));
        out[SIZE - 1] = '\n';
        // No TRUNCATE_EXISTING: the blocks written at mount time are overwritten, none allocated.
        try (FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(out);
            long pos = 0;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            ch.force(false);
        }
    }

    /**
     * What the last mount of {@code repoDir} could not commit when it stopped; empty when it stopped cleanly, or
     * when there is no report (an older daemon, or one that never got as far as mounting).
     */
    static List<String> failures(Path repoDir) throws IOException {
        String text;
        try {
            text = Files.readString(repoDir.resolve(FILE_NAME), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<String> lines = new ArrayList<>(text.strip().lines().map(String::strip).filter(l -> !l.isEmpty()).toList());
        if (lines.isEmpty() || !lines.get(0).equals("failed")) {
            return List.of();
        }
        return lines.subList(1, lines.size());
    }
}
