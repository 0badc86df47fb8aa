package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each place a secret comes from yields its first line, and each way it can fail is one clear line. */
@Timeout(60)
class SecretInputTest {

    @TempDir
    Path tmp;

    @Test
    void fileYieldsItsFirstLineWithoutTheLineEnd() throws IOException {
        Path f = Files.writeString(tmp.resolve("p"), "the secret\r\nsecond line\n");
        assertEquals("the secret", SecretInput.firstLine(f));
    }

    @Test
    void stdinYieldsItsFirstLineAndLeavesTheRestUnread() throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream("code-1\nnext\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("code-1", SecretInput.firstLine(in));
        assertEquals("next\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    @Test
    void commandYieldsTheFirstLineItPrints() throws IOException {
        assertArrayEquals("s3cret".toCharArray(), SecretInput.fromCommand("printf 's3cret\\nignored\\n'"));
        // Run through sh -c: pipes and variables work as in restic's --password-command.
        assertArrayEquals("ab".toCharArray(), SecretInput.fromCommand("x=a; echo \"${x}b\" | cat"));
    }

    @Test
    void commandThatFailsIsOneLineWithItsStatus() {
        UserError e = assertThrows(UserError.class, () -> SecretInput.fromCommand("echo not-used; exit 3"));
        assertEquals("--passphrase-command failed (exit status 3): echo not-used; exit 3", e.getMessage());
        assertTrue(Main.userMessage(e) != null);
    }

    @Test
    void commandThatPrintsNothingIsOneLine() {
        UserError e = assertThrows(UserError.class, () -> SecretInput.fromCommand("true"));
        assertTrue(e.getMessage().startsWith("--passphrase-command printed no passphrase"), e.getMessage());
        e = assertThrows(UserError.class, () -> SecretInput.fromCommand("printf '\\nsecond'"));
        assertTrue(e.getMessage().startsWith("--passphrase-command printed no passphrase"), e.getMessage());
    }

    @Test
    void commandThatPrintsTooMuchIsRefusedWithoutHanging() {
        UserError e = assertThrows(UserError.class, () -> SecretInput.fromCommand("yes | head -c 200000"));
        assertTrue(e.getMessage().contains("more than " + SecretInput.MAX_COMMAND_OUTPUT_BYTES), e.getMessage());
    }

    @Test
    void commandDoesNotReadTheCallersStdin() throws IOException {
        // stdin is /dev/null: a command waiting for input ends at once instead of eating what was piped to pactfs.
        UserError e = assertThrows(UserError.class, () -> SecretInput.fromCommand("cat"));
        assertTrue(e.getMessage().startsWith("--passphrase-command printed no passphrase"), e.getMessage());
    }

    @Test
    void fileAndCommandTogetherAreRefused() throws IOException {
        KeyOptions ko = new KeyOptions();
        ko.passphraseFile = Files.writeString(tmp.resolve("p"), "x\n");
        ko.passphraseCommand = "echo y";
        UserError e = assertThrows(UserError.class, () -> ko.passphraseOrNull("?"));
        assertEquals("give --passphrase-file or --passphrase-command, not both", e.getMessage());
    }

    @Test
    void askingTwiceRefusesTwoDifferentAnswersAndAnEmptyOne() {
        SecretInput.Terminal old = SecretInput.useTerminal(script("one", "two"));
        try {
            UserError e = assertThrows(UserError.class, () -> KeyOptions.askTwice("X", "no repo created"));
            assertEquals("the two passphrases differ; no repo created", e.getMessage());
            SecretInput.useTerminal(script("", ""));
            e = assertThrows(UserError.class, () -> KeyOptions.askTwice("X", "no repo created"));
            assertEquals("empty passphrase; no repo created", e.getMessage());
            SecretInput.useTerminal(script("same", "same"));
            assertArrayEquals("same".toCharArray(), KeyOptions.askTwice("X", "no repo created"));
            SecretInput.useTerminal(prompt -> null);
            assertEquals(null, KeyOptions.askTwice("X", "no repo created"));
        } finally {
            SecretInput.useTerminal(old);
        }
    }

    /** A terminal at which the user types {@code answers} in turn. */
    static SecretInput.Terminal script(String... answers) {
        int[] next = {0};
        return prompt -> next[0] < answers.length ? answers[next[0]++].toCharArray() : null;
    }
}
