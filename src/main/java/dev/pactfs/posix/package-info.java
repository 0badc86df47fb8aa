/**
 * The lowest floor beside {@code crypto} and {@code chunk}: system calls the JDK lacks (openat, mkdirat,
 * symlinkat, mknodat, linkat, fchownat, fchmodat, utimensat, statx, xattrs by fd), on raw byte names, each
 * relative to a directory fd and never following a symlink in the final component. With {@code fuse}, the only
 * package that may use jnr. See {@link dev.pactfs.posix.Posix}.
 */
package dev.pactfs.posix;
