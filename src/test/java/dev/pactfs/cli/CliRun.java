package dev.pactfs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs a pactfs command line in this JVM with its output captured (tests of other packages use it). */
public final class CliRun {

    /** The warning printed for a recovery code given on the command line (tests of other packages match it). */
    public static final String PAPER_KEY_ON_ARGV_WARNING = KeyOptions.PAPER_KEY_ON_ARGV_WARNING;

    private CliRun() {
    }

    /** Exit status and what the command printed. */
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }

    /**
     * As {@link #run}, at a terminal where the user types {@code answers} in turn, one per prompt (no echo, as
     * at a real one); a prompt past the last answer finds no terminal.
     */
    public static Result runAtTerminal(java.util.List<String> answers, String... args) {
        java.util.Iterator<String> next = answers.iterator();
        SecretInput.Terminal old = SecretInput.useTerminal(prompt -> next.hasNext() ? next.next().toCharArray() : null);
        try {
            return run(args);
        } finally {
            SecretInput.useTerminal(old);
        }
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }
}
