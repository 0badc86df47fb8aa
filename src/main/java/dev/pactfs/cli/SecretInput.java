package dev.pactfs.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/*
 * Secrets (passphrases, paper keys) reach pactfs from anywhere but the command line: argv is readable by every
 * local user through ps and /proc/PID/cmdline, and it lands in shell history. The places are a file, standard
 * input, the output of a command (restic's --password-command: a password manager, a vault client), and a
 * terminal prompt that does not echo. Each yields the first line only, so a trailing newline (echo, editors)
 * is not part of the secret.
 */

/** Reads one secret from a file, standard input, a command's output or the terminal. */
final class SecretInput {

    /** The most a passphrase command may print: a secret is one line, anything bigger is a mistake. */
    static final int MAX_COMMAND_OUTPUT_BYTES = 64 * 1024;

    /** Where prompts go; a test replaces it with a scripted one, since System.console() needs a real terminal. */
    interface Terminal {
        /** What the user typed at {@code prompt}, without echo; null when there is no terminal to ask. */
        char[] readSecret(String prompt);
    }

    /** The process's terminal through {@link System#console()}: null when stdin or stdout is not a terminal. */
    static final Terminal CONSOLE = prompt -> {
        Console c = System.console();
        return c == null ? null : c.readPassword("%s", prompt);
    };

    private static volatile Terminal terminal = CONSOLE;

    private SecretInput() {
    }

    static Terminal terminal() {
        return terminal;
    }

    /** For tests: replaces the terminal; returns the one it replaced. */
    static Terminal useTerminal(Terminal t) {
        Terminal old = terminal;
        terminal = t;
        return old;
    }

    /** The first line of {@code file}, without its line end. */
    static String firstLine(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        return firstLine(s);
    }

    /**
     * The first line of {@code in}, read byte by byte so that nothing after it is consumed (a script may pipe
     * more to the command than the secret).
     */
    static String firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        return b.toString(StandardCharsets.UTF_8).replace("\r", "");
    }

    /**
     * The first line {@code command} prints, run through {@code sh -c} with stdin from /dev/null and stderr
     * passed through (where a password manager says what it wants). A non-zero exit or no output is a
     * {@link UserError}; the secret never appears in a message.
     */
    static char[] fromCommand(String command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder("sh", "-c", command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new UserError("--passphrase-command could not be started: " + e.getMessage(), e);
        }
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readNBytes(MAX_COMMAND_OUTPUT_BYTES + 1);
            in.transferTo(java.io.OutputStream.nullOutputStream()); // let the command finish writing instead of dying of SIGPIPE
        }
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while waiting for --passphrase-command");
        }
        if (status != 0) {
            throw new UserError("--passphrase-command failed (exit status " + status + "): " + command);
        }
        if (out.length > MAX_COMMAND_OUTPUT_BYTES) {
            throw new UserError("--passphrase-command printed more than " + MAX_COMMAND_OUTPUT_BYTES
                    + " bytes; a passphrase is one line: " + command);
        }
        String line = firstLine(new String(out, StandardCharsets.UTF_8));
        if (line.isEmpty()) {
            throw new UserError("--passphrase-command printed no passphrase (its first line is empty): " + command);
        }
        return line.toCharArray();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).replace("\r", "");
    }
}
