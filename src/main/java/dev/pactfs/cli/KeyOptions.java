package dev.pactfs.cli;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where the master key comes from, shared by every command that needs it: a machine key file, a paper key,
 * or a passphrase (from {@code PACTFS_PASSPHRASE}, {@code --passphrase-file}, or a prompt, in that order).
 */
final class KeyOptions {

    static final String PASSPHRASE_ENV = "PACTFS_PASSPHRASE";

    @Option(names = "--key-file", paramLabel = "FILE", description = "Unwrapped machine key file (mode 0600).")
    Path keyFile;

    @Option(names = "--paper-key", paramLabel = "CODE", description = "Recovery code printed by `key export --paper`.")
    String paperKey;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Read the passphrase from the first line of FILE.")
    Path passphraseFile;

    /** The passphrase from env, file or prompt; null when none can be had without a terminal. */
    char[] passphraseOrNull(String prompt) throws IOException {
        String env = System.getenv(PASSPHRASE_ENV);
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        if (passphraseFile != null) {
            return firstLine(InputFile.readable(passphraseFile, "--passphrase-file")).toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            return null;
        }
        return console.readPassword("%s", prompt);
    }

    /** As {@link #passphraseOrNull}, failing with a clear line when there is none. */
    char[] passphrase(String prompt) throws IOException {
        char[] p = passphraseOrNull(prompt);
        if (p == null || p.length == 0) {
            throw new UserError("no passphrase: set " + PASSPHRASE_ENV + ", or use --passphrase-file, --key-file or --paper-key");
        }
        return p;
    }

    /** A new passphrase, asked twice on a terminal. */
    char[] newPassphrase(String what) throws IOException {
        String env = System.getenv("PACTFS_NEW_PASSPHRASE");
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        Console console = System.console();
        if (console == null) {
            throw new UserError("no new passphrase: set PACTFS_NEW_PASSPHRASE or run on a terminal");
        }
        char[] a = console.readPassword("new passphrase for %s: ", what);
        char[] b = console.readPassword("repeat new passphrase: ");
        if (!java.util.Arrays.equals(a, b)) {
            throw new UserError("the two passphrases differ; nothing changed");
        }
        if (a.length == 0) {
            throw new UserError("empty passphrase; nothing changed");
        }
        return a;
    }

    static String firstLine(Path file) throws IOException {
        String s = Files.readString(file, StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl).replace("\r", "");
    }
}
