package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The admin's notify hook (--notify-command PATH): for each event the executable is run once, with the event as one
 * line of JSON on its stdin, its output going where pactfs's own goes (mount.log or the journal). Runs are queued
 * on one thread of their own, in order, so a slow mail relay never holds up a replication pass or a FUSE write;
 * a command still running after COMMAND_TIMEOUT_SECONDS is killed (and says so in the log), so one hung hook cannot
 * swallow every later alert.
 */

/** Runs the notify command with one JSON event per line on its stdin. Thread-safe. */
final class Notifier implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** Version of the event object's layout; members are added, a change of meaning bumps it. */
    static final String SCHEMA = "pactfs.event/1";
    /** Longest one run of the command may take before it is killed, seconds. */
    static final long COMMAND_TIMEOUT_SECONDS = 60;

    private final Path command;
    private final String repo;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "pactfs-notify");
        t.setDaemon(true);
        return t;
    });

    private Notifier(Path command, Path repo) {
        this.command = command;
        this.repo = repo.toAbsolutePath().normalize().toString();
    }

    /** A notifier for {@code command}, or null when none is given; a user error when it is not executable. */
    static Notifier of(Path command, Path repo) {
        if (command == null) {
            return null;
        }
        if (!Files.isRegularFile(command) || !Files.isExecutable(command)) {
            throw new UserError("--notify-command " + command + " is not an executable file");
        }
        return new Notifier(command.toAbsolutePath(), repo);
    }

    /**
     * A new event: {@code event} names the kind (partner_unreachable, rpo_exceeded...), {@code severity} is
     * critical, warning or info, {@code message} the one line a person reads.
     */
    ObjectNode event(String event, String severity, String message) {
        long now = System.currentTimeMillis();
        ObjectNode o = Json.object();
        o.put("schema", SCHEMA);
        o.put("event", event);
        o.put("severity", severity);
        o.put("message", message);
        o.put("time", Instant.ofEpochMilli(now).toString());
        o.put("time_ms", now);
        o.put("host", hostName());
        o.put("repo", repo);
        return o;
    }

    /** Queues one run of the command for {@code event}; returns at once. */
    Future<?> send(ObjectNode event) {
        log.info("notify: {}", Json.line(event));
        return runner.submit(() -> run(event));
    }

    /** As {@link #send}, waiting for the command (at most its timeout): before the process exits. */
    void sendAndWait(ObjectNode event) {
        try {
            send(event).get(COMMAND_TIMEOUT_SECONDS + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("notify command {}: {}", command, e.toString());
        }
    }

    private void run(ObjectNode event) {
        try {
            Process p = new ProcessBuilder(command.toString())
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write((Json.line(event) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the command did not read its stdin: its business
            }
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                log.warn("notify command {} still running after {} s: killed", command, COMMAND_TIMEOUT_SECONDS);
            } else if (p.exitValue() != 0) {
                log.warn("notify command {} exited with status {}", command, p.exitValue());
            }
        } catch (IOException e) {
            log.warn("notify command {} could not be run: {}", command, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Lets queued events run (at most a few seconds), then stops. */
    @Override
    public void close() {
        runner.shutdown();
        try {
            runner.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
