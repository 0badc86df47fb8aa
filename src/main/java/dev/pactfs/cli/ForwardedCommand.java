package dev.pactfs.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/*
 * Ctrl-C: SIGINT (or SIGTERM) makes the JVM run its shutdown hooks while the main thread goes on relaying. The hook
 * sends CANCEL, waits a bounded time for the daemon to settle (EXIT after the work stopped, or NOT_CANCELLABLE),
 * prints one line saying what became of the command, and halts with 130 whatever the signal was: the relay's own
 * return value can no longer reach System.exit once shutdown has begun. Nothing else is printed after the signal:
 * what the cancelled command still writes is dropped, so the user's terminal ends on that one line.
 */

/** A command running in the mount daemon: relays its frames until EXIT, and turns an interrupt into a cancel. */
final class ForwardedCommand {

    /** How long an interrupted client waits for the daemon to stop the work, in seconds. */
    static final int CANCEL_WAIT_SECONDS = 10;

    private final ControlChannel c;
    private final String name;
    private final Path repo;
    private final PrintStream out;
    private final PrintStream err;
    private volatile boolean cancelling;
    private volatile boolean notCancellable;
    private volatile Integer exit;
    /** Counted down at EXIT, at NOT_CANCELLABLE, or when the connection ends. */
    private final CountDownLatch settled = new CountDownLatch(1);

    ForwardedCommand(ControlChannel c, String name, Path repo, PrintStream out, PrintStream err) {
        this.c = c;
        this.name = name;
        this.repo = repo;
        this.out = out;
        this.err = err;
    }

    /** Relays the daemon's output and returns the command's exit status. */
    int run() throws IOException {
        Thread hook = new Thread(this::interrupted, "pactfs-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return relay();
        } catch (IOException e) {
            if (cancelling) {
                return ControlServer.EXIT_CANCELLED; // the hook reports it
            }
            throw e;
        } finally {
            settled.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down: the hook decides what is printed and the exit status
            }
        }
    }

    private int relay() throws IOException {
        try (ProgressRelay bars = ProgressRelay.forThisProcess()) {
            return relay(bars);
        }
    }

    private int relay(ProgressRelay bars) throws IOException {
        while (true) {
            byte kind = c.in.readByte();
            switch (kind) {
                case ControlServer.EXIT -> {
                    exit = c.in.readInt();
                    return exit;
                }
                case ControlServer.PROGRESS -> {
                    byte[] b = c.in.readNBytes(c.in.readInt());
                    if (!cancelling) {
                        bars.event(b);
                    }
                }
                case ControlServer.CANCELLING -> {
                    // the daemon stops at its next checkpoint; EXIT follows
                }
                case ControlServer.NOT_CANCELLABLE -> {
                    notCancellable = true;
                    settled.countDown();
                }
                case ControlServer.OUT, ControlServer.ERR -> {
                    int len = c.in.readInt();
                    byte[] b = c.in.readNBytes(len);
                    if (!cancelling) {
                        PrintStream to = kind == ControlServer.OUT ? out : err;
                        to.write(b);
                        to.flush();
                        if (kind == ControlServer.OUT && to.checkError()) {
                            // `| head -c1` has its byte: stop quietly. Closing the connection (run's caller does)
                            // makes the daemon stop the command at its next write or checkpoint.
                            exit = Main.EXIT_STDOUT_CLOSED;
                            return exit;
                        }
                    }
                }
                default -> throw new IOException("unknown frame kind " + kind + " from the mount daemon");
            }
        }
    }

    /** The shutdown hook: cancel, wait for the daemon, say what happened, exit 130. */
    private void interrupted() {
        if (exit != null) {
            return; // finished before the signal: an ordinary exit
        }
        cancelling = true;
        try {
            synchronized (c.out) {
                c.out.writeByte(ControlServer.CANCEL);
                c.out.flush();
            }
        } catch (IOException e) {
            // the daemon is gone already; settled follows from the relay's end
        }
        boolean inTime;
        try {
            inTime = settled.await(CANCEL_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            inTime = false;
        }
        err.println("pactfs: " + outcome(inTime));
        err.flush();
        Runtime.getRuntime().halt(ControlServer.EXIT_CANCELLED);
    }

    /** What a cancelled command leaves behind, for the one line the user reads (see the checkpoints table). */
    static String whatIsLeft(String name) {
        return switch (name) {
            case "restore" -> "; what it restored stays: rerun the same restore to continue it";
            case "get" -> "; no partial copy is left";
            case "put" -> "; nothing was added to the tree";
            case "check" -> "; the repo is as it was (a --repair that had begun leaves the graph unproven)";
            default -> "";
        };
    }

    private String outcome(boolean inTime) {
        Path log = repo.resolve(MountCommand.LOG_FILE);
        Integer status = exit;
        if (status != null && status == ControlServer.EXIT_CANCELLED) {
            return "cancelled " + name + ": the mount daemon stopped it" + whatIsLeft(name);
        }
        if (status != null) {
            return "interrupted, but " + name + " had already finished in the mount daemon (exit " + status + ")";
        }
        if (notCancellable) {
            return "interrupted: the mount daemon finishes " + name + " on its own (it cannot stop half-way; see "
                    + log + ")";
        }
        if (inTime) {
            return "interrupted: the mount daemon closed the connection while running " + name + " (see " + log + ")";
        }
        return "interrupted: asked the mount daemon to cancel " + name + ", but it has not stopped within "
                + CANCEL_WAIT_SECONDS + " s (see " + log + ")";
    }
}
