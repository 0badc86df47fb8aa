package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.InodeRecord.Kind;
import java.util.List;

/**
 * One entry of a snapshot directory: the name and every stat field of the inode it named at freeze time, its
 * xattrs, and by kind: a regular file's chunk list ({@code chunks}), a directory's tree blob ({@code subtree}),
 * a symlink's target ({@code symlink}).
 *
 * <p>{@code ino} is the live inode number at freeze time. Entries of one snapshot with equal {@code ino} are
 * hard links to one file; restore re-links them and the snapshot view shows them with one inode number.
 * {@code mode} holds permission bits only; the type is {@code kind} ({@link Kind}).
 */
public record TreeEntry(byte[] name, int kind, int mode, int uid, int gid, long size, int nlink, long rdev,
                        long atimeNs, long mtimeNs, long ctimeNs, long btimeNs, long ino, List<Xattr> xattrs,
                        List<ChunkRef> chunks, ChunkId subtree, byte[] symlink) {

    /** One extended attribute. */
    public record Xattr(byte[] name, byte[] value) {
    }

    public boolean isDir() {
        return kind == Kind.DIR;
    }

    public boolean isFile() {
        return kind == Kind.FILE;
    }

    public boolean isSymlink() {
        return kind == Kind.SYMLINK;
    }

    /** The name as text (UTF-8, invalid bytes replaced), for messages and diff output. */
    public String nameString() {
        return new String(name, java.nio.charset.StandardCharsets.UTF_8);
    }
}
