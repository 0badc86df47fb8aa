package dev.pactfs.cli;

import dev.pactfs.fs.PactFs;
import dev.pactfs.store.Cancellation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Reads {@code /NAME} of the repo's live tree back into a local file without a mount. */
@Command(name = "get", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs get --repo /var/lib/pactfs/acme db.dump /tmp/db.dump"},
        description = "Copy NAME from the repo's top directory to OUT (or - for stdout).")
final class GetCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "OUT")
    String out;

    @Mixin
    KeyOptions keys;

    @Override
    public Integer call() throws IOException {
        byte[] n = FsNames.single(name);
        if (out.equals("-") && DaemonContext.current() != null) {
            throw new UserError("the repo is mounted: read the file through the mount instead of get to stdout");
        }
        try (OpenRepo r = OpenRepo.open(repo, keys);
             OpenRepo.Fs handle = r.openFs()) {
            PactFs fs = handle.fs();
            long ino;
            try {
                ino = fs.lookup(PactFs.ROOT, n);
            } catch (dev.pactfs.fs.FsException e) {
                throw new UserError("no file named '" + name + "' in repo " + repo, e);
            }
            long fh = fs.open(ino, PactFs.O_RDONLY);
            try {
                if (out.equals("-")) {
                    copy(fs, fh, System.out);
                } else {
                    copyToFile(fs, fh, Cli.resolve(Path.of(out)), fs.getattr(ino).mode() & 0777);
                }
            } finally {
                fs.release(fh);
            }
        }
        return 0;
    }

    /**
     * Writes the file to a temporary name beside {@code to} (0600) and renames it over {@code to} once complete,
     * so a failed read (a damaged pack, say) leaves no partial output under the name the user asked for.
     */
    private void copyToFile(PactFs fs, long fh, Path to, int mode) throws IOException {
        Path dir = to.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new UserError("cannot write " + to + ": its directory does not exist");
        }
        if (Files.isDirectory(to)) {
            throw new UserError("cannot write " + to + ": it is a directory");
        }
        Path tmp = Files.createTempFile(dir, "." + to.getFileName() + ".", ".pactfs-get");
        boolean done = false;
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                copy(fs, fh, os);
            } catch (Cancellation.CancelledException e) {
                throw e; // the finally below removes the temporary file: a cancelled get leaves no partial copy
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().contains("No space left")) {
                    throw e;
                }
                throw new UserError("get " + name + " failed: " + e.getMessage() + "; nothing written to " + to, e);
            }
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString(perms(mode)));
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void copy(PactFs fs, long fh, OutputStream os) throws IOException {
        byte[] buf = new byte[1 << 20];
        long offset = 0;
        int got;
        while ((got = fs.read(fh, offset, buf, 0, buf.length)) > 0) {
            Cancellation.checkpoint(); // per MiB, when the mount daemon runs it for a client; the temp file goes
            os.write(buf, 0, got);
            offset += got;
        }
        os.flush();
    }

    /** rwx bits as "rwxr-x---". */
    private static String perms(int mode) {
        StringBuilder sb = new StringBuilder(9);
        for (int shift = 6; shift >= 0; shift -= 3) {
            sb.append((mode >> shift & 4) != 0 ? 'r' : '-').append((mode >> shift & 2) != 0 ? 'w' : '-')
                    .append((mode >> shift & 1) != 0 ? 'x' : '-');
        }
        return sb.toString();
    }
}
