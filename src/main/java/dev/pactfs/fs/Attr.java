package dev.pactfs.fs;

/**
 * What {@code stat(2)} shows of one inode. {@code mode} is the full {@code st_mode} (type and permission bits);
 * times are nanoseconds since the epoch; {@code blocks} counts 512-byte units.
 */
public record Attr(long ino, int mode, int nlink, int uid, int gid, long rdev, long size, long blocks,
                   long atimeNs, long mtimeNs, long ctimeNs, long btimeNs) {

    public boolean isDir() {
        return (mode & Modes.S_IFMT) == Modes.S_IFDIR;
    }

    public boolean isFile() {
        return (mode & Modes.S_IFMT) == Modes.S_IFREG;
    }
}
