package dev.pactfs.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

/*
 * Why one place: a repo holds the key file, the catalog (every file name of every backup), packs, and, in tmp/,
 * overlays with plaintext of files being written. None of it is anyone's business but the owner's (root, or the
 * daemon's user). Every directory pactfs creates in a repo is made 0700 and every file 0600 here, with the mode
 * passed to mkdir(2)/open(2) itself (a FileAttribute), so there is no moment between creation and a chmod in
 * which the umask's 0644 lets another user open the file and keep the descriptor. The umask can only take bits
 * away, never add group or other ones.
 *
 * On a file system without POSIX permissions (none pactfs supports for a repo, but tests may use one), files are
 * created without the attribute.
 */

/** Creates directories (0700) and files (0600) that only their owner may open: everything pactfs makes in a repo. */
public final class PrivateFiles {

    /** rwx------: the mode of every directory pactfs creates in a repo. */
    public static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    /** rw-------: the mode of every file pactfs creates in a repo. */
    public static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private PrivateFiles() {
    }

    /** Creates {@code dir} (0700); fails with FileAlreadyExistsException when it exists. */
    public static Path createDirectory(Path dir) throws IOException {
        return Files.createDirectory(dir, dirAttrs(dir));
    }

    /**
     * Creates {@code dir} and every missing parent, each 0700; directories that exist are left as they are
     * (see {@link #restrict} for one pactfs owns).
     */
    public static Path createDirectories(Path dir) throws IOException {
        return Files.createDirectories(dir, dirAttrs(dir));
    }

    /** Creates the empty file {@code file} (0600); fails with FileAlreadyExistsException when it exists. */
    public static Path createFile(Path file) throws IOException {
        return Files.createFile(file, fileAttrs(file));
    }

    /** A new, empty file (0600) with a unique name in {@code dir}. */
    public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
        return Files.createTempFile(dir, prefix, suffix, fileAttrs(dir));
    }

    /** A new, empty directory (0700) with a unique name in {@code dir}. */
    public static Path createTempDirectory(Path dir, String prefix) throws IOException {
        return Files.createTempDirectory(dir, prefix, dirAttrs(dir));
    }

    /**
     * Opens {@code file}; when {@code options} let it be created (CREATE, CREATE_NEW), a new file is 0600 from
     * the start. An existing file keeps its mode.
     */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        Set<OpenOption> set = new HashSet<>(Arrays.asList(options));
        return FileChannel.open(file, set, fileAttrs(file));
    }

    /** Writes {@code text} to a new file (0600), forced to the device; fails when the file exists. */
    public static void writeNew(Path file, String text) throws IOException {
        writeNew(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code content} to a new file (0600), forced to the device; fails when the file exists. */
    public static void writeNew(Path file, byte[] content) throws IOException {
        try (FileChannel ch = open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    /**
     * Replaces {@code file} by {@code text} atomically and durably: a new temp file beside it (0600, forced), renamed
     * over it (ATOMIC_MOVE), then the directory forced so the rename survives a crash. A reader sees the old or the
     * new content, never a mix; a crash leaves at worst a stray {@code .tmp-} file.
     */
    public static void replaceAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(".tmp-" + file.getFileName() + "-" + Long.toHexString(System.nanoTime()));
        writeNew(tmp, text);
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        syncDirectory(file.getParent());
    }

    /** Forces a directory's entries (a rename into it) to the device; file systems that cannot do that are skipped. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(true);
        } catch (IOException e) {
            // Some network file systems refuse fsync on a directory (EINVAL/EISDIR); their rename is synchronous.
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
        }
    }

    /** Copies {@code from} to the new file {@code to} (0600 whatever the source's mode); fails when it exists. */
    public static void copyNew(Path from, Path to) throws IOException {
        try (InputStream in = Files.newInputStream(from);
             FileChannel ch = open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
            ch.force(true);
        }
    }

    /**
     * Takes the group and other bits off an entry pactfs owns but did not create with its mode: a repo
     * directory the admin made beforehand, the catalog file H2 creates itself, and entries of repos written
     * before this helper existed. Returns whether anything changed. A symlink is not followed. An entry another
     * user owns is left alone (only its owner or root may chmod it): the command then goes on to fail, or not, on
     * what it can read, with its own one line.
     */
    public static boolean restrict(Path entry) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(entry, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        if (view == null || Files.isSymbolicLink(entry)) {
            return false;
        }
        PosixFileAttributes attrs = view.readAttributes();
        String me = System.getProperty("user.name");
        if (!"root".equals(me) && !attrs.owner().getName().equals(me)) {
            return false;
        }
        Set<PosixFilePermission> mode = attrs.permissions();
        if (mode.stream().noneMatch(GROUP_OR_OTHER::contains)) {
            return false;
        }
        Set<PosixFilePermission> owner = EnumSet.noneOf(PosixFilePermission.class);
        owner.addAll(mode);
        owner.removeAll(GROUP_OR_OTHER);
        view.setPermissions(owner);
        return true;
    }

    /** Whether {@code mode} lets anyone but the owner in. */
    public static boolean opensToOthers(Set<PosixFilePermission> mode) {
        return mode.stream().anyMatch(GROUP_OR_OTHER::contains);
    }

    private static FileAttribute<?>[] dirAttrs(Path near) {
        return posix(near) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(DIRECTORY_MODE)}
                : new FileAttribute<?>[0];
    }

    private static FileAttribute<?>[] fileAttrs(Path near) {
        return posix(near) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
                : new FileAttribute<?>[0];
    }

    /**
     * The file system's views, not Files.getFileStore(dir)'s: that looks the directory up in /proc/self/mounts
     * and fails ("Mount point not found") in a chroot that lists no mount for "/".
     */
    private static boolean posix(Path near) {
        FileSystem fs = near.getFileSystem();
        return fs.supportedFileAttributeViews().contains("posix");
    }

    /**
     * Deletes {@code p} and, for a directory, everything under it; a missing {@code p} is fine. Never follows a
     * symlink: a link is deleted, not what it names (what pactfs made in a repo or a scratch directory only).
     */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(p);
            return;
        }
        Files.walkFileTree(p, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                Files.delete(f);
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
    }
}
