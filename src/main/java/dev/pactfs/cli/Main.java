package dev.pactfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.pactfs.crypto.KeyFileDamagedException;
import dev.pactfs.crypto.KeyFileTooNewException;
import dev.pactfs.crypto.PaperKeyFormatException;
import dev.pactfs.crypto.WrongKeyException;
import dev.pactfs.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code pactfs} command line: parses, runs one subcommand, maps failures to exit codes. */
@Command(name = "pactfs", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Cooperative off-site backup filesystem: dedup, compress, encrypt, replicate to a partner.",
        subcommands = {
            InitCommand.class,
            KeyCommand.class,
            CheckCommand.class,
            GcCommand.class,
            PutCommand.class,
            GetCommand.class,
            MountCommand.class, UmountCommand.class,
            SnapshotCommand.class, RestoreCommand.class, ForgetCommand.class, PruneCommand.class,
            ReplicateCommand.class, StatusCommand.class, ScrubHostedCommand.class, AuditCommand.class,
            RecoverCommand.class, MigrateCommand.class, StatsCommand.class, PartnerCommand.class, ServeCommand.class,
            LsCommand.class, FindCommand.class, DumpCommand.class, ExportTarCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    /** Exit status of a failure the user can act on. */
    static final int EXIT_USER_ERROR = 1;
    /** Exit status of a usage error (picocli's default). */
    static final int EXIT_USAGE = 2;
    /** Exit status of a bug: stack trace printed. */
    static final int EXIT_BUG = 3;
    /** Exit status when the reader of stdout went away (128 + SIGPIPE, what a shell shows for cat in that case). */
    static final int EXIT_STDOUT_CLOSED = 141;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Log what pactfs does (DEBUG level).")
    void setVerbose(boolean verbose) {
        if (verbose) {
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.DEBUG);
            ((Logger) LoggerFactory.getLogger("h2database")).setLevel(Level.WARN);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns its exit status (tests call this). When a mount daemon serves the repo
     * the command names, the daemon runs it (see ControlServer); otherwise it runs here.
     */
    public static int run(String... args) {
        args = RepoArg.settle(args, System.getenv(RepoArg.ENV));
        Integer forwarded = ControlClient.tryForward(args, System.out, System.err);
        if (forwarded != null) {
            return forwarded;
        }
        return execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    }

    /** Runs the command line in this process, printing through {@code out} and {@code err}. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(Main::handle);
        cl.setParameterExceptionHandler(Main::usageError);
        return cl.execute(args);
    }

    /**
     * A command line picocli cannot parse: one line with what is wrong and where the help is, instead of picocli's
     * message followed by the whole usage text (which buried the one line that mattered).
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("pactfs: " + e.getMessage() + " (see `" + cl.getCommandSpec().qualifiedName() + " --help`)");
        err.flush();
        return EXIT_USAGE;
    }

    private static int handle(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (e instanceof StdoutClosed) {
            LoggerFactory.getLogger(Main.class).debug("stdout closed by its reader", e);
            return EXIT_STDOUT_CLOSED;
        }
        PrintWriter err = cl.getErr();
        String msg = userMessage(e);
        if (msg != null) {
            err.println("pactfs: " + msg);
            LoggerFactory.getLogger(Main.class).debug("failure detail", e);
            err.flush();
            return EXIT_USER_ERROR;
        }
        err.println("pactfs: internal error (a bug; please report it with this trace):");
        e.printStackTrace(err);
        err.flush();
        return EXIT_BUG;
    }

    /** The one-line message for an expected failure, or null for a bug. */
    static String userMessage(Throwable e) {
        if (e instanceof UserError || e instanceof StoreException || e instanceof WrongKeyException
                || e instanceof KeyFileDamagedException || e instanceof KeyFileTooNewException
                || e instanceof PaperKeyFormatException || e instanceof dev.pactfs.fs.FsException
                || e instanceof dev.pactfs.store.Cancellation.CancelledException
                // a listing or record this pactfs cannot read (damaged, or of a newer format: kinds 8 and 9)
                || e instanceof dev.pactfs.snapshot.TreeFormatException) {
            return e.getMessage();
        }
        if (e instanceof java.nio.file.NoSuchFileException n) {
            return "no such file or directory: " + n.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof IOException io && String.valueOf(io.getMessage()).contains("No space left on device")) {
            return "no space left on device: " + io.getMessage();
        }
        return null;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"pactfs " + (v == null ? "dev" : v)};
        }
    }
}
