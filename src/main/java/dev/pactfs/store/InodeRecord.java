package dev.pactfs.store;

/**
 * One row of the {@code inodes} table.
 *
 * <p>{@code kind} is the file type as a {@link Kind} code; {@code mode} holds the permission bits only
 * ({@code 07777}: rwx for user, group, other plus setuid, setgid, sticky), never the type bits. Times are
 * nanoseconds since the epoch. {@code size} is the committed content length of a regular file, the target
 * length of a symlink, and 0 otherwise. {@code nlink} counts the directory entries naming a non-directory;
 * a directory has {@code 2 + subdirectories}. A row with {@code nlink == 0} is an orphan: unlinked while
 * open, removed once its last handle closes (or at the next mount after a crash).
 */
public record InodeRecord(long ino, int kind, int mode, int uid, int gid, long size, int nlink, long rdev,
                          long atimeNs, long mtimeNs, long ctimeNs, long btimeNs, byte[] symlink) {

    /** File type codes stored in {@code inodes.kind}. */
    public static final class Kind {
        public static final int FILE = 1;
        public static final int DIR = 2;
        public static final int SYMLINK = 3;
        public static final int FIFO = 4;
        public static final int CHAR_DEV = 5;
        public static final int BLOCK_DEV = 6;
        public static final int SOCKET = 7;

        private Kind() {
        }
    }

    public boolean isDir() {
        return kind == Kind.DIR;
    }

    public boolean isFile() {
        return kind == Kind.FILE;
    }

    public InodeRecord withSize(long newSize) {
        return new InodeRecord(ino, kind, mode, uid, gid, newSize, nlink, rdev, atimeNs, mtimeNs, ctimeNs, btimeNs,
                symlink);
    }
}
