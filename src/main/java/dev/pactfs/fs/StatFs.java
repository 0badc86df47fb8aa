package dev.pactfs.fs;

/** What {@code statfs(2)} shows: block counts in units of {@code blockSize} bytes, inode counts, name limit. */
public record StatFs(long blockSize, long blocks, long blocksFree, long blocksAvailable, long files, long filesFree,
                     int nameMax) {
}
