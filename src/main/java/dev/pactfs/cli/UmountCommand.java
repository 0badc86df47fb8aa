package dev.pactfs.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "umount", aliases = "unmount", mixinStandardHelpOptions = true,
        description = "Unmount a pactfs mount and wait until its daemon has committed everything and exited.")
final class UmountCommand implements Callable<Integer> {

    /** How long to wait for the daemon to finish after the unmount (seconds). */
    static final int EXIT_TIMEOUT_SECONDS = 600;

    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

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
        if (entry[0].startsWith("pactfs:")) {
            repoDir = Path.of(MountCommand.unescape(entry[0].substring("pactfs:".length())));
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
        return 0;
    }
}
