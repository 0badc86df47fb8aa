package dev.pactfs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs umount /srv/backup"},
        description = "Unmount a pactfs mount and wait until its daemon has committed everything and exited.")
final class UmountCommand implements Callable<Integer> {

    /** How long to wait for the daemon to finish after the unmount (seconds). */
    static final int EXIT_TIMEOUT_SECONDS = 600;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String[] entry = MountCommand.mountEntry(mountPoint);
        if (entry == null || !entry[2].equals("fuse.pactfs")) {
            throw new UserError(mountPoint + " is not a pactfs mount");
        }
        if (StaleMount.detachIfStale(mountPoint, System.err)) {
            return 0; // its daemon is gone: nothing is left to commit or wait for
        }
        Optional<ProcessHandle> daemon = Optional.empty();
        Path repoDir = null;
        String pending = null;
        if (entry[0].startsWith("pactfs:")) {
            repoDir = Path.of(MountCommand.unescape(entry[0].substring("pactfs:".length())));
            pending = pendingForPartner(repoDir);
            Path pidFile = repoDir.resolve(MountCommand.PID_FILE);
            if (Files.exists(pidFile)) {
                daemon = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
            }
        }
        Process p = new ProcessBuilder("fusermount", "-u", mountPoint.toAbsolutePath().toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0) {
            throw new UserError("cannot unmount " + mountPoint + ": " + (out.isEmpty() ? "fusermount failed" : out));
        }
        if (daemon.isPresent()) {
            try {
                daemon.get().onExit().get(EXIT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new UserError("unmounted, but the daemon (pid " + daemon.get().pid() + ") is still running after "
                        + EXIT_TIMEOUT_SECONDS + " s");
            }
            // What the daemon could not commit as it stopped (a full disk, typically) must reach the caller.
            java.util.List<String> failed = ShutdownReport.failures(repoDir);
            if (!failed.isEmpty()) {
                throw new UserError("unmounted, but the daemon could not commit everything: " + String.join("; ", failed)
                        + " (see " + repoDir.resolve(MountCommand.LOG_FILE) + ")");
            }
        }
        if (pending != null) {
            spec.commandLine().getErr().println("pactfs: warning: " + pending);
            spec.commandLine().getErr().flush();
        }
        return 0;
    }

    /**
     * What the daemon has not yet shipped to the partner, as one warning line, or null when nothing is pending
     * (or there is no partner, or the daemon does not answer). Asked before unmounting, from home's records
     * alone ({@code status --offline}): a hung partner must not delay the unmount.
     */
    static String pendingForPartner(Path repoDir) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        Integer exit = ControlClient.tryForward(new String[] {"status", "--repo", repoDir.toString(), "--json",
            "--offline"}, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8), quiet);
        if (exit == null || exit != 0) {
            return null;
        }
        try {
            com.fasterxml.jackson.databind.JsonNode st = Json.MAPPER.readTree(out.toString(
                    java.nio.charset.StandardCharsets.UTF_8));
            long bytes = st.path("pending_bytes").asLong();
            if (bytes <= 0 || "none".equals(st.path("partner").asText())) {
                return null;
            }
            return StatusCommand.human(bytes) + " (" + st.path("pending_blobs").asLong() + " blobs) not yet at the"
                    + " partner; they are sent at the next mount or by pactfs replicate --repo " + repoDir
                    + (st.path("last_snapshot_safe").isTextual()
                    ? " (last snapshot safe at the partner: " + st.path("last_snapshot_safe").asText() + ")"
                    : " (no snapshot is safe at the partner yet)");
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
