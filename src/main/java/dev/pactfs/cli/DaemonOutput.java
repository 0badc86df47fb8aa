package dev.pactfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a detaching {@code pactfs mount} reads of its daemon's output while it waits for the mount: the progress
 * lines, shown on its own stderr as they come, and, when the daemon dies, the reason, in one line. The daemon
 * writes to {@code <repo>/mount.log} (read from where this mount's output starts) or, under systemd, to the journal,
 * where its lines already are and this class reads nothing.
 */
final class DaemonOutput {

    private final Path logFile;
    private long shown;
    private final StringBuilder partial = new StringBuilder();
    private final List<String> lines = new ArrayList<>();

    private DaemonOutput(Path logFile, long from) {
        this.logFile = logFile;
        this.shown = from;
    }

    /** Output appended to {@code logFile} from now on. */
    static DaemonOutput file(Path logFile) throws IOException {
        return new DaemonOutput(logFile, Files.exists(logFile) ? Files.size(logFile) : 0);
    }

    /** Output that goes to the journal. */
    static DaemonOutput journal() {
        return new DaemonOutput(null, 0);
    }

    /** Where the daemon's output is, for a message. */
    String where() {
        return logFile != null ? logFile.toString() : "the journal";
    }

    /** Prints the daemon's progress lines written since the last call. */
    void showProgress(PrintWriter err) throws IOException {
        for (String line : readNewLines()) {
            if (line.startsWith(MountCommand.PROGRESS)) {
                err.println(line);
            }
        }
        err.flush();
    }

    /**
     * Why the daemon exited: its last "pactfs: " line, with the "fuse: " line libfuse printed before it when the
     * message points at that line (which is in the log, not on the user's terminal).
     */
    String failure(int exit) throws IOException {
        readNewLines();
        if (!partial.isEmpty()) {
            lines.add(partial.toString());
            partial.setLength(0);
        }
        String best = null;
        String fuse = null;
        for (String line : lines) {
            String l = line.strip();
            if (l.startsWith("pactfs: ")) {
                best = l.substring("pactfs: ".length());
            } else if (l.startsWith("fuse: ")) {
                fuse = l;
            }
        }
        if (best != null && best.endsWith(MountCommand.SEE_FUSE_LINE)) {
            best = best.substring(0, best.length() - MountCommand.SEE_FUSE_LINE.length()) + (fuse != null ? " (" + fuse + ")" : "");
        }
        if (best == null) {
            best = fuse;
        }
        return best != null ? best : "the mount daemon exited with status " + exit + "; see " + where();
    }

    /** Complete lines appended since the last read; they are also kept for {@link #failure}. */
    private List<String> readNewLines() throws IOException {
        List<String> fresh = new ArrayList<>();
        if (logFile == null || !Files.exists(logFile)) {
            return fresh;
        }
        byte[] bytes;
        try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
            long len = f.length();
            if (len <= shown) {
                return fresh;
            }
            bytes = new byte[(int) Math.min(len - shown, 1 << 20)];
            f.seek(shown);
            f.readFully(bytes);
            shown += bytes.length;
        }
        partial.append(new String(bytes, StandardCharsets.UTF_8));
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            fresh.add(partial.substring(0, nl));
            partial.delete(0, nl + 1);
        }
        lines.addAll(fresh);
        return fresh;
    }
}
