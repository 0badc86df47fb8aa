package dev.pactfs.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process's stderr is systemd's journal. systemd sets {@code JOURNAL_STREAM=DEVICE:INODE} for the
 * stream it connects a unit's output to; the variable is inherited by children whose stderr may be something else
 * (a terminal), so, as sd_journal_stream_fd(3) advises, it counts only when fd 2 is that very socket.
 */
final class JournalStream {

    private JournalStream() {
    }

    static boolean isStderr() {
        return matches(System.getenv("JOURNAL_STREAM"), Path.of("/proc/self/fd/2"));
    }

    /** Whether {@code fd} (a /proc/self/fd link) is the socket that {@code journalStream} names. */
    static boolean matches(String journalStream, Path fd) {
        if (journalStream == null || !journalStream.matches("\\d+:\\d+")) {
            return false;
        }
        String inode = journalStream.substring(journalStream.indexOf(':') + 1);
        try {
            return Files.readSymbolicLink(fd).toString().equals("socket:[" + inode + "]");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
