package dev.pactfs.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A pactfs mount whose daemon is gone (kill -9, OOM, a crash): the kernel keeps the mount, and every stat of the
 * mountpoint fails with ENOTCONN ("Transport endpoint is not connected"), so "is it a directory?" says no and the
 * next mount failed with a misleading line. Detaching it lazily loses nothing more: whatever the dead daemon had
 * not committed died with it, and the repo is consistent without it (its journal and packs recover on open).
 */
final class StaleMount {

    /** The file system type a pactfs mount shows in /proc/mounts; only these are ours to detach. */
    static final String TYPE = "fuse.pactfs";

    private StaleMount() {
    }

    /**
     * Why {@code dir} is a dead mount (the error stat gives), or null when it is no mount, or a live one. Any FUSE
     * type counts as dead here; {@link #detachIfStale} detaches only pactfs's own.
     */
    static String deadReason(Path dir) throws IOException {
        String[] entry = MountCommand.mountEntry(dir);
        if (entry == null || !entry[2].startsWith("fuse")) {
            return null;
        }
        try {
            Files.readAttributes(dir, BasicFileAttributes.class);
            return null;
        } catch (FileSystemException e) {
            return e.getReason() != null ? e.getReason() : String.valueOf(e.getMessage());
        }
    }

    /**
     * Detaches {@code dir} when it is a dead pactfs mount, saying so in one line on {@code err}; returns whether it
     * did. A dead mount of another file system is left alone, with the command that detaches it.
     */
    static boolean detachIfStale(Path dir, PrintStream err) throws IOException, InterruptedException {
        String reason = deadReason(dir);
        if (reason == null) {
            return false;
        }
        Path abs = dir.toAbsolutePath().normalize();
        String type = MountCommand.mountEntry(dir)[2];
        if (!type.equals(TYPE)) {
            throw new UserError(abs + " is a dead " + type + " mount (" + reason + "), not pactfs's: detach it with"
                    + " `fusermount -u -z " + abs + "`, then mount again");
        }
        String how = detach(abs);
        err.println("pactfs: " + abs + " was left mounted by a pactfs daemon that is gone (" + reason
                + "); detached it (" + how + ")");
        err.flush();
        return true;
    }

    /** Lazily unmounts {@code dir}: fusermount for a user's mount, umount -l as root when fusermount cannot. */
    private static String detach(Path dir) throws IOException, InterruptedException {
        String last = "";
        for (List<String> cmd : List.of(List.of("fusermount", "-u", "-z", dir.toString()),
                List.of("umount", "-l", dir.toString()))) {
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                last = cmd.get(0) + ": " + e.getMessage();
                continue; // not installed: try the next
            }
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() == 0 && !MountCommand.isMounted(dir)) {
                return String.join(" ", cmd.subList(0, cmd.size() - 1));
            }
            last = out.isEmpty() ? String.join(" ", cmd) + " failed" : out;
        }
        throw new UserError(dir + " is a dead pactfs mount and detaching it failed (" + last.replace('\n', ' ')
                + "): run `fusermount -u -z " + dir + "` (or `umount -l " + dir + "` as root)");
    }
}
