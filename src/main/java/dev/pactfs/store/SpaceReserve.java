package dev.pactfs.store;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Why a file and not only a margin: LocalPacks stops user data at a held-back margin, but anything else can eat
 * that margin (another process, the catalog's own growth, a compaction that ran out of room), and once the disk is
 * full to the last byte H2 cannot commit the very transactions that would free space (rm, forget, prune), nor even
 * open. Bytes already allocated to a file of ours can be given back at that moment, whoever filled the disk.
 *
 * Size: 1 % of the file system, at least 4 MiB, at most 64 MiB. It must hold the catalog commits of the way out
 * (rm, forget, status, check, prune each commit a few MVStore chunks of ~4-64 KiB) and one compaction step of prune
 * (LocalChunkStore.rewritePack: at least one record, at most 4 MiB plus framing). It is at least 4 MiB smaller
 * than the pack margin (LocalPacks: 2 %, at least 8 MiB), so user data cannot take the space of a released reserve:
 * the catalog releases it below 1 MiB free, which leaves less than the margin free, and appends of user data stop
 * at the margin; only the catalog and compaction reach below it.
 *
 * The file holds zeros written out (not a sparse file, which would reserve nothing). On copy-on-write file systems
 * deleting it frees its blocks too; on tmpfs its pages are real memory, which is what the size of a tmpfs counts.
 */

/**
 * A pre-allocated file {@code <repo>/reserve} given back to the disk when the repo's disk is full, so that the
 * catalog can still commit the transactions that free space, and written again once there is room.
 *
 * <p>Thread-safe: every operation works on the file alone and is synchronized on the class (one reserve per
 * repo directory; two instances for one directory agree because the file is their only state).
 */
final class SpaceReserve {

    private static final Logger log = LoggerFactory.getLogger(SpaceReserve.class);

    /** The reserve's file name inside the repo directory. */
    static final String FILE_NAME = "reserve";

    /** Smallest and largest reserve, in bytes. */
    static final long MIN_BYTES = 4L << 20;
    static final long MAX_BYTES = 64L << 20;

    private final Path file;
    private final FileStore fileStore;
    private final long bytes;

    private SpaceReserve(Path file, FileStore fileStore, long bytes) {
        this.file = file;
        this.fileStore = fileStore;
        this.bytes = bytes;
    }

    /** The reserve of the repo in {@code repoDir} (the file need not exist). */
    static SpaceReserve of(Path repoDir) throws IOException {
        FileStore fs = Files.getFileStore(repoDir);
        return new SpaceReserve(repoDir.resolve(FILE_NAME), fs, sizeFor(fs.getTotalSpace()));
    }

    /** The reserve for a file system of {@code totalBytes}: 1 %, within [4 MiB, 64 MiB]. */
    static long sizeFor(long totalBytes) {
        return Math.min(MAX_BYTES, Math.max(MIN_BYTES, totalBytes / 100));
    }

    /** The reserve's full size in bytes. */
    long bytes() {
        return bytes;
    }

    /** Bytes the reserve file holds now (0 when released or never made). */
    long held() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Free bytes on the repo's file system for us (Long.MAX_VALUE when it cannot tell). */
    long usable() {
        try {
            return fileStore.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Gives the reserve's bytes back to the disk; returns how many it freed (0 when there was no reserve).
     * Called when a catalog commit or a compaction step would otherwise meet a full disk.
     */
    long release() {
        synchronized (SpaceReserve.class) {
            long held = held();
            if (held == 0) {
                return 0;
            }
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("could not release the space reserve {}: {}", file, e.getMessage());
                return 0;
            }
            log.warn("the repo's disk is full: released the {} MiB space reserve {} so that deleting and pruning can"
                    + " still commit (it is written again once prune has freed room)", held >> 20, file);
            return held;
        }
    }

    /**
     * Writes the reserve file when it is missing or short and the disk has room for it and still
     * {@code keepFree} bytes more; returns whether the reserve is complete afterwards. Written under a temporary
     * name and renamed, so a crash never leaves a short reserve that looks complete.
     */
    boolean restoreIfRoom(long keepFree) {
        synchronized (SpaceReserve.class) {
            long held = held();
            if (held >= bytes) {
                return true;
            }
            if (usable() - (bytes - held) < keepFree) {
                return false;
            }
            Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
            try (FileChannel ch = PrivateFiles.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
                for (long written = 0; written < bytes; ) {
                    zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - written));
                    written += ch.write(zeros);
                }
                ch.force(false);
            } catch (IOException e) {
                deleteQuietly(tmp);
                log.warn("could not write the space reserve {}: {}", file, e.getMessage());
                return false;
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                deleteQuietly(tmp);
                return false;
            }
            log.debug("space reserve {} written ({} MiB)", file, bytes >> 20);
            return true;
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a leftover temporary reserve is rewritten or replaced next time
        }
    }
}
