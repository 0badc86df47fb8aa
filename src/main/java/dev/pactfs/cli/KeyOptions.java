package dev.pactfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Where the master key comes from, shared by every command that needs it: a machine key file, a paper key
 * (from a file, standard input, a prompt, or, with a warning, the command line), or a passphrase (from
 * {@code --passphrase-file}, {@code --passphrase-command}, {@code PACTFS_PASSPHRASE}, or a prompt, in that
 * order). See {@link SecretInput} for why secrets stay off the command line.
 */
final class KeyOptions {

    static final String PASSPHRASE_ENV = "PACTFS_PASSPHRASE";
    /** Where `key add` and `key passwd` take the new passphrase from in scripts. */
    static final String NEW_PASSPHRASE_ENV = "PACTFS_NEW_PASSPHRASE";
    /** As {@code --passphrase-command}, from the environment (restic's RESTIC_PASSWORD_COMMAND); the option wins. */
    static final String PASSPHRASE_COMMAND_ENV = "PACTFS_PASSPHRASE_COMMAND";
    /** The value of {@code --paper-key} that reads the code from standard input. */
    static final String STDIN = "-";
    /** The one-line warning for a paper key given on the command line. */
    static final String PAPER_KEY_ON_ARGV_WARNING = "pactfs: warning: a recovery code on the command line is visible to"
            + " every local user (ps) and in shell history; use --paper-key-file FILE or --paper-key - (stdin)";

    @Option(names = "--key-file", paramLabel = "FILE", description = "Unwrapped machine key file (mode 0600).")
    Path keyFile;

    /** The value of --paper-key: a recovery code, or {@link #STDIN}. */
    String paperKey;

    /**
     * Warns as the option is parsed, not when the code is used: a command that a mount daemon runs for the
     * client never uses it, yet the code was exposed all the same.
     */
    @Option(names = "--paper-key", paramLabel = "CODE|-",
            description = "Recovery code printed by `key export --paper`; `-` reads it from standard input. A CODE"
                    + " here is visible in ps and shell history (a warning says so): prefer --paper-key-file or -.")
    void paperKey(String code) {
        paperKey = code;
        if (code != null && !code.equals(STDIN)) {
            PrintWriter err = mixee == null ? null : mixee.commandLine().getErr();
            if (err != null) {
                err.println(PAPER_KEY_ON_ARGV_WARNING);
                err.flush();
            } else {
                System.err.println(PAPER_KEY_ON_ARGV_WARNING);
            }
        }
    }

    @Option(names = "--paper-key-file", paramLabel = "FILE", description = "Read the recovery code from the first line of FILE.")
    Path paperKeyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Read the passphrase from the first line of FILE.")
    Path passphraseFile;

    @Option(names = "--passphrase-command", paramLabel = "CMD",
            description = "Run CMD with `sh -c`; the first line it prints is the passphrase (a password manager, for"
                    + " scripts). A non-zero exit or no output fails the command. Default: $PACTFS_PASSPHRASE_COMMAND.")
    String passphraseCommand;

    /** The command this mixin belongs to, for its stderr; null when built by hand (init). */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    /** --passphrase-command, else PACTFS_PASSPHRASE_COMMAND, else null. */
    private String passphraseCommand() {
        if (passphraseCommand != null) {
            return passphraseCommand;
        }
        String env = System.getenv(PASSPHRASE_COMMAND_ENV);
        return env == null || env.isEmpty() ? null : env;
    }

    /** Whether a paper key was named (on the command line, in a file, or on stdin). */
    boolean hasPaperKey() {
        return paperKey != null || paperKeyFile != null;
    }

    /** Whether a passphrase source other than the terminal was named: a file, a command, or the environment. */
    boolean hasPassphraseSource() {
        String env = System.getenv(PASSPHRASE_ENV);
        return passphraseFile != null || passphraseCommand() != null || (env != null && !env.isEmpty());
    }

    /**
     * The recovery code from {@code --paper-key-file}, stdin ({@code --paper-key -}) or the command line (warned
     * about when parsed); null when none was named.
     */
    String paperKeyCode() throws IOException {
        if (paperKey != null && paperKeyFile != null) {
            throw new UserError("give --paper-key or --paper-key-file, not both");
        }
        if (paperKeyFile != null) {
            return SecretInput.firstLine(InputFile.readable(paperKeyFile, "--paper-key-file"));
        }
        if (paperKey == null) {
            return null;
        }
        if (paperKey.equals(STDIN)) {
            String code = SecretInput.firstLine(System.in);
            if (code.isBlank()) {
                throw new UserError("--paper-key -: standard input held no recovery code");
            }
            return code;
        }
        return paperKey; // warned about when parsed
    }

    /** The recovery code asked at the terminal (no echo); null when there is no terminal. */
    static String promptPaperKey(String prompt) {
        char[] c = SecretInput.terminal().readSecret(prompt);
        return c == null || c.length == 0 ? null : new String(c);
    }

    /** The passphrase from file, command, env or prompt; null when none can be had without a terminal. */
    char[] passphraseOrNull(String prompt) throws IOException {
        char[] p = passphraseFromSource();
        return p != null ? p : SecretInput.terminal().readSecret(prompt);
    }

    /** The passphrase from file, command or env, never asked; null when none of them is given. */
    char[] passphraseFromSource() throws IOException {
        if (passphraseFile != null && passphraseCommand != null) {
            throw new UserError("give --passphrase-file or --passphrase-command, not both");
        }
        if (passphraseFile != null) {
            return SecretInput.firstLine(InputFile.readable(passphraseFile, "--passphrase-file")).toCharArray();
        }
        if (passphraseCommand() != null) {
            return SecretInput.fromCommand(passphraseCommand());
        }
        String env = System.getenv(PASSPHRASE_ENV);
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        return null;
    }

    /** As {@link #passphraseOrNull}, failing with a clear line when there is none. */
    char[] passphrase(String prompt) throws IOException {
        char[] p = passphraseOrNull(prompt);
        if (p == null || p.length == 0) {
            throw new UserError("no passphrase: use --passphrase-file, --passphrase-command, " + PASSPHRASE_ENV
                    + ", --key-file or --paper-key-file, or run on a terminal to be asked");
        }
        return p;
    }

    /**
     * The passphrase for a key about to be written (init, recover): from file, command or env as given, else
     * asked twice at the terminal, refused when the two differ; null when there is no source and no terminal.
     */
    char[] newPassphraseOrNull(String what) throws IOException {
        char[] p = passphraseFromSource();
        if (p != null) {
            return p;
        }
        return askTwice(what, "no repo created");
    }

    /** Asked twice at the terminal; null without a terminal; a {@link UserError} naming {@code outcome} on a mismatch. */
    static char[] askTwice(String what, String outcome) {
        SecretInput.Terminal t = SecretInput.terminal();
        char[] a = t.readSecret("new passphrase for " + what + ": ");
        if (a == null) {
            return null;
        }
        char[] b = t.readSecret("repeat the passphrase: ");
        if (!java.util.Arrays.equals(a, b)) {
            throw new UserError("the two passphrases differ; " + outcome);
        }
        if (a.length == 0) {
            throw new UserError("empty passphrase; " + outcome);
        }
        return a;
    }

    /** A new passphrase for `key passwd`: PACTFS_NEW_PASSPHRASE, else asked twice on a terminal. */
    char[] newPassphrase(String what) throws IOException {
        return newPassphrase(what, null);
    }

    /**
     * A new passphrase for `key add` and `key passwd`: the first line of {@code file} when given, else
     * PACTFS_NEW_PASSPHRASE, else asked twice on a terminal.
     */
    char[] newPassphrase(String what, Path file) throws IOException {
        if (file != null) {
            char[] p = SecretInput.firstLine(InputFile.readable(file, "--new-passphrase-file")).toCharArray();
            if (p.length == 0) {
                throw new UserError("--new-passphrase-file " + file + ": its first line is empty; nothing changed");
            }
            return p;
        }
        String env = System.getenv(NEW_PASSPHRASE_ENV);
        if (env != null && !env.isEmpty()) {
            return env.toCharArray();
        }
        char[] a = askTwice(what, "nothing changed");
        if (a == null) {
            throw new UserError("no new passphrase: use --new-passphrase-file, set " + NEW_PASSPHRASE_ENV
                    + " or run on a terminal");
        }
        return a;
    }
}
