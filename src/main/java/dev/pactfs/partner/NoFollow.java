package dev.pactfs.partner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The partner directory belongs to the host, who can plant a symlink anywhere in it (packs/zz -> /elsewhere,
 * index/x -> /etc/passwd). pactfs runs as root at home, so following one would let the host read, overwrite or
 * delete any file there. Java's NOFOLLOW_LINKS covers only the last component of a path, so every component from
 * the copy directory down is lstat'ed here first and the final open or delete is done with NOFOLLOW_LINKS (or is
 * an unlink/rename, which never follow their last component). What is left is a race: the host can swap a
 * directory for a symlink between this check and the open; docs/threat-model.md says why that is accepted.
 */

/** Refuses paths under a partner copy directory that pass through a symlink; one warning line per refusal. */
final class NoFollow {

    private static final Logger log = LoggerFactory.getLogger(NoFollow.class);

    /** Links already warned about: a pass lists the same directory several times, one line per link is enough. */
    private static final java.util.Set<String> warned = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private NoFollow() {
    }

    /**
     * Throws {@link SymlinkPlantedException} (after logging it) if {@code root} itself or any existing component of
     * {@code p} below it is a symlink. Components that do not exist end the walk: what is not there cannot be a link.
     */
    static void check(Path root, Path p) throws IOException {
        Path rel = root.relativize(p);
        if (rel.startsWith("..")) {
            throw new IllegalArgumentException(p + " is not under " + root);
        }
        Path at = root;
        if (!checkOne(at)) {
            return;
        }
        for (Path part : rel) {
            if (part.toString().isEmpty()) {
                continue;
            }
            at = at.resolve(part);
            if (!checkOne(at)) {
                return;
            }
        }
    }

    /** False when {@code p} does not exist; throws when it is a symlink. */
    private static boolean checkOne(Path p) throws IOException {
        BasicFileAttributes a = attributes(p);
        if (a == null) {
            return false;
        }
        if (a.isSymbolicLink()) {
            throw planted(p);
        }
        return true;
    }

    /** {@code p}'s own attributes (lstat), or null when it does not exist. */
    static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** True when {@code p} is a real directory (not a link to one). */
    static boolean isDirectory(Path p) throws IOException {
        BasicFileAttributes a = attributes(p);
        return a != null && a.isDirectory();
    }

    /**
     * What to do with an entry met while listing: true for a real file or directory, false (after one warning
     * line) for a symlink, which is skipped and never followed.
     */
    static boolean notALink(Path entry) throws IOException {
        BasicFileAttributes a = attributes(entry);
        if (a != null && a.isSymbolicLink()) {
            warn(entry);
            return false;
        }
        return a != null;
    }

    /** Logs one line naming the link and where it points; returns the exception that refuses to follow it. */
    static SymlinkPlantedException planted(Path link) {
        return new SymlinkPlantedException(warn(link));
    }

    private static String warn(Path link) {
        String to;
        try {
            to = Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            to = "?";
        }
        String msg = "partner directory: " + link + " is a symlink (to " + to + "), skipped and not followed";
        if (warned.size() < 10_000 && warned.add(link.toString())) {
            log.warn(msg);
        }
        return msg;
    }

    /** The whole of {@code f}, a regular file, opened without following a link; what is not a regular file fails. */
    static byte[] readFile(Path f) throws IOException {
        BasicFileAttributes a = attributes(f);
        if (a == null) {
            throw new NoSuchFileException(f.toString());
        }
        if (a.isSymbolicLink()) {
            throw planted(f);
        }
        if (!a.isRegularFile()) {
            throw new IOException(f + " is not a regular file"); // a FIFO would block the read forever
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                java.io.InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
            return in.readAllBytes();
        }
    }

    /** A symlink in the partner directory where pactfs expected a file or directory of its own. */
    static final class SymlinkPlantedException extends IOException {
        private static final long serialVersionUID = 1L;

        SymlinkPlantedException(String message) {
            super(message);
        }
    }
}
