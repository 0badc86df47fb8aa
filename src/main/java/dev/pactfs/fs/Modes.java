package dev.pactfs.fs;

import dev.pactfs.store.InodeRecord.Kind;

/** {@code st_mode} type bits and their mapping to the catalog's kind codes. */
public final class Modes {
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
    public static final int S_ISUID = 04000;
    public static final int S_ISGID = 02000;
    public static final int PERMS = 07777;

    private Modes() {
    }

    public static int typeBits(int kind) {
        return switch (kind) {
            case Kind.FILE -> S_IFREG;
            case Kind.DIR -> S_IFDIR;
            case Kind.SYMLINK -> S_IFLNK;
            case Kind.FIFO -> S_IFIFO;
            case Kind.CHAR_DEV -> S_IFCHR;
            case Kind.BLOCK_DEV -> S_IFBLK;
            case Kind.SOCKET -> S_IFSOCK;
            default -> throw new IllegalArgumentException("unknown inode kind " + kind);
        };
    }

    /** The kind code of a full {@code st_mode}; -1 when its type bits name no known type. */
    public static int kindOf(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG, 0 -> Kind.FILE;
            case S_IFDIR -> Kind.DIR;
            case S_IFLNK -> Kind.SYMLINK;
            case S_IFIFO -> Kind.FIFO;
            case S_IFCHR -> Kind.CHAR_DEV;
            case S_IFBLK -> Kind.BLOCK_DEV;
            case S_IFSOCK -> Kind.SOCKET;
            default -> -1;
        };
    }
}
