package dev.pactfs.fs;

/** One entry of a directory listing: its name bytes, inode and full {@code st_mode} type bits. */
public record DirEntry(byte[] name, long ino, int typeBits) {
}
