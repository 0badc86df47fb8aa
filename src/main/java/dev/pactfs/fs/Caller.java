package dev.pactfs.fs;

/** Who asks for an operation that creates something: the new inode's owner (before setgid-directory rules). */
public record Caller(int uid, int gid) {
    public static final Caller ROOT = new Caller(0, 0);
}
