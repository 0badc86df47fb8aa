package dev.pactfs.cli;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.CutPlan;
import dev.pactfs.fs.Caller;
import dev.pactfs.fs.Errno;
import dev.pactfs.fs.FsException;
import dev.pactfs.fs.PactFs;
import dev.pactfs.store.Cancellation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Stores a local file as {@code /NAME} in the repo's live tree without a mount: the library round trip on the
 * command line, and the ingest path the put-pipeline benchmark times.
 */
@Command(name = "put", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs put --repo /var/lib/pactfs/acme /root/db.dump db.dump"},
        description = "Store FILE (or - for stdin) as NAME in the repo's top directory, replacing an old NAME.")
final class PutCommand implements Callable<Integer> {

    /**
     * Bytes read and handed to the filesystem per write. Large on purpose: the chunker copies a chunk that lies
     * inside one write once, straight into its own array, but one that straddles writes twice (into its buffer,
     * then out); with FUSE-sized 128 KiB writes every chunk straddled.
     */
    static final int WRITE_BYTES = 4 << 20;

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Parameters(index = "0", paramLabel = "FILE")
    String file;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Mixin
    KeyOptions keys;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        byte[] n = FsNames.single(name);
        if (file.equals("-") && DaemonContext.current() != null) {
            throw new UserError("the repo is mounted: write into the mount instead of piping to put");
        }
        Path path = file.equals("-") ? null : Cli.resolve(Path.of(file));
        CutPlan plan = null;
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            if (path != null && !r.usesDaemonFs() && Files.isRegularFile(path)) {
                plan = CutPlanHelper.start(path, Files.size(path), r::newCutPlan);
            }
            put(r, plan, path, n);
        } finally {
            if (plan != null) {
                plan.cancel();
            }
        }
        return 0;
    }

    /**
     * Writes the file through the filesystem. With a plan, the first chunker the filesystem asks for (the new
     * file's stream, which starts at offset 0 like the plan's offsets) follows it; any other gets a plain one.
     */
    private void put(OpenRepo r, CutPlan plan, Path path, byte[] n) throws IOException {
        AtomicBoolean planTaken = new AtomicBoolean(plan == null);
        Supplier<Chunker> chunkers = () -> planTaken.compareAndSet(false, true) ? r.newChunker(plan) : r.newChunker();
        try (OpenRepo.Fs handle = r.openFs(chunkers);
             InputStream in = path == null ? System.in : open(path)) {
            PactFs fs = handle.fs();
            long start = System.nanoTime();
            try {
                fs.unlink(PactFs.ROOT, n);
            } catch (FsException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            long fh = fs.create(PactFs.ROOT, n, 0644, PactFs.O_WRONLY, Caller.ROOT).handle();
            byte[] buf = new byte[WRITE_BYTES];
            long offset = 0;
            try {
                int got;
                while ((got = in.readNBytes(buf, 0, buf.length)) > 0) {
                    Cancellation.checkpoint(); // per write, when the mount daemon runs it for a client
                    fs.write(fh, offset, buf, 0, got);
                    offset += got;
                }
                fs.fsync(fh);
            } finally {
                fs.release(fh);
                if (Cancellation.requested()) {
                    unlinkPartial(fs, n); // a cancelled put leaves no half file in the tree
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            var s = r.store.stats();
            spec.commandLine().getErr().printf("stored %s as %s: %d bytes in %.2f s (%.0f MB/s), %d new bytes stored for %d new of %d chunks%n",
                    file, name, offset, secs, offset / 1e6 / secs, s.storedBytesNew(), s.chunksNew(), s.chunksPut());
            if (s.deltasNew() > 0) {
                spec.commandLine().getErr().printf("deltas: %d of the new chunks (%d bytes stored, %d bytes saved against plain zstd)%n",
                        s.deltasNew(), s.deltaStoredBytes(), s.deltaBytesSaved());
            }
        }
    }

    private static void unlinkPartial(PactFs fs, byte[] n) {
        try {
            fs.unlink(PactFs.ROOT, n);
        } catch (IOException e) {
            // the cancellation is what the caller reports; a leftover shows in the tree
        }
    }

    /** A regular file is read past the page cache ({@link DirectReader}); a fifo or a device plainly. */
    private static InputStream open(Path file) throws IOException {
        return Files.isRegularFile(file) ? DirectReader.open(file, 0) : Files.newInputStream(file);
    }
}
