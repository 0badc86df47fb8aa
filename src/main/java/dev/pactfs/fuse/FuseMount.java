package dev.pactfs.fuse;

import dev.pactfs.fs.PactFs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import ru.serce.jnrfuse.FuseException;

/**
 * Mounts a {@link PactFs} with pactfs's FUSE options and runs the multithreaded FUSE loop ({@link FuseLoop}, on
 * Java threads) until the filesystem is unmounted.
 *
 * <p>Options, each passed to libfuse as its own {@code -o}: {@code big_writes} and {@code max_write=131072}
 * (128 KiB writes instead of 4 KiB: FACTS.md), {@code default_permissions} (the kernel checks modes),
 * {@code use_ino} and {@code readdir_ino} (our inode numbers show), {@code fsname=pactfs:<repo>},
 * {@code subtype=pactfs}, and entry, attribute and negative timeouts of {@link #KERNEL_CACHE_SECONDS}. Extra
 * options (allow_other, nonempty, ...) are appended as given.
 *
 * <p>Not {@code hard_remove}: with it libfuse 2 cannot stat a file unlinked while open (the kernel's GETATTR for
 * fstat carries no file handle, and libfuse has no path for the node), which breaks SQLite's temp files. Without
 * it libfuse renames such a file to {@code .fuse_hidden*} and unlinks it at release; {@link PactFuse} turns that
 * rename into a real unlink, so the name never shows (docs/design.md, "POSIX details").
 */
public final class FuseMount {

    /** FUSE write size (bytes): the kernel's largest with big_writes on libfuse 2. */
    public static final int MAX_WRITE_BYTES = 131072;

    /**
     * How long the kernel may answer lookups, failed lookups and stat from its own cache (entry_timeout,
     * negative_timeout, attr_timeout), in seconds. With 0, as until issue 15, the kernel asks the daemon for every
     * component of every path on every system call (23 getattr per file for cp -a, 51 per entry for ls -lR + cat),
     * and even a null jnr-fuse filesystem was slower than gocryptfs on three rows of src/bench/small-files.sh; with
     * 1 s that floor beat it on every row (docs/benchmarks.md, issue 15). 1 s is gocryptfs's (and libfuse's)
     * default. Safe because nothing the user sees goes stale: hard links and changes made outside FUSE are
     * handled by {@link ReplyTimeouts} and {@link KernelCacheGuard} (decision 0004).
     */
    public static final int KERNEL_CACHE_SECONDS = 1;

    private FuseMount() {
    }

    /** The libfuse arguments for a mount of {@code repoDir}, plus {@code extra} options (without "-o"). */
    public static String[] options(Path repoDir, List<String> extra) {
        List<String> opts = new ArrayList<>(List.of("big_writes", "max_write=" + MAX_WRITE_BYTES,
                "default_permissions", "use_ino", "readdir_ino",
                "fsname=pactfs:" + repoDir.toAbsolutePath().normalize(), "subtype=pactfs",
                "attr_timeout=" + KERNEL_CACHE_SECONDS, "entry_timeout=" + KERNEL_CACHE_SECONDS,
                "negative_timeout=" + KERNEL_CACHE_SECONDS));
        opts.addAll(extra);
        List<String> args = new ArrayList<>();
        for (String o : opts) {
            args.add("-o");
            args.add(o);
        }
        return args.toArray(new String[0]);
    }

    /**
     * Mounts and serves until unmounted (fusermount -u, umount, or SIGTERM). Throws when the mount itself fails
     * (libfuse has then printed its reason on stderr).
     */
    public static void run(PactFuse fuse, Path mountPoint, String[] options) {
        try {
            fuse.serve(mountPoint, options);
        } catch (FuseException | IllegalStateException e) {
            throw new IllegalStateException("cannot mount " + mountPoint + ": " + rootMessage(e), e);
        }
    }

    /** Unmounts (lazily when busy) through fusermount. */
    public static void unmount(Path mountPoint) {
        PactFuse.unmountQuietly(mountPoint);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
