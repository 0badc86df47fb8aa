package dev.pactfs.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** (Named CliRunner, not Cli: a test class dev.pactfs.cli.Cli would shadow the main one and its resolve().) Runs a pactfs command line in this JVM with its output captured (tests of other packages use it). */
public final class CliRunner {

    private CliRunner() {
    }

    /** Exit status and what the command printed. */
    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nout: " + out + "\nerr: " + err;
        }
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(exit, out.toString(), err.toString());
    }
}
