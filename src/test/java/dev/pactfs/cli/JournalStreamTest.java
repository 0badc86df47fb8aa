package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JOURNAL_STREAM counts only when stderr is the very socket it names (an inherited variable on a terminal does not). */
class JournalStreamTest {

    @Test
    void onlyTheNamedSocketIsTheJournal(@TempDir Path tmp) throws Exception {
        Path socket = Files.createSymbolicLink(tmp.resolve("2"), Path.of("socket:[4242]"));
        assertTrue(JournalStream.matches("9:4242", socket));
        assertFalse(JournalStream.matches("9:4243", socket), "another socket");
        assertFalse(JournalStream.matches(null, socket), "no variable");
        assertFalse(JournalStream.matches("garbage", socket));
        Path tty = Files.createSymbolicLink(tmp.resolve("tty"), Path.of("/dev/pts/3"));
        assertFalse(JournalStream.matches("9:4242", tty), "a terminal, the variable inherited");
        assertFalse(JournalStream.isStderr() && System.getenv("JOURNAL_STREAM") == null);
    }
}
