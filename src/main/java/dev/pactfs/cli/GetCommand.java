package dev.pactfs.cli;

import dev.pactfs.fs.PactFs;
import dev.pactfs.store.Cancellation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Reads {@code /NAME} of the repo's live tree back into a local file without a mount. */
@Command(name = "get", mixinStandardHelpOptions = true,
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
            Path to = out.equals("-") ? null : Cli.resolve(Path.of(out));
            try (OutputStream os = to == null ? System.out : Files.newOutputStream(to)) {
                byte[] buf = new byte[1 << 20];
                long offset = 0;
                int got;
                while ((got = fs.read(fh, offset, buf, 0, buf.length)) > 0) {
                    Cancellation.checkpoint(); // per MiB, when the mount daemon runs it for a client
                    os.write(buf, 0, got);
                    offset += got;
                }
            } catch (Cancellation.CancelledException e) {
                if (to != null) {
                    Files.deleteIfExists(to); // a cancelled get leaves no partial copy
                }
                throw e;
            } finally {
                fs.release(fh);
            }
        }
        return 0;
    }
}
