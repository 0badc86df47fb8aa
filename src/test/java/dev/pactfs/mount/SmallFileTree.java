package dev.pactfs.mount;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic tree of small files, the shape rsync, tar -x and backup agents produce: {@code files} regular
 * files of 0–64 KiB (most under 8 KiB) in nested directories (4 × 6 below the root, a few files at each level),
 * with varied modes and fixed times, ~2 % of them hard-linked a second time, ~2 % symlinks (relative, absolute,
 * dangling), a few files with the content of an earlier one (dedup) and user xattrs on a few files and a
 * directory. The same seed gives the same tree, byte for byte.
 */
public final class SmallFileTree {
    /** Distinct regular files (inodes) in the tree; hard links add names, not files. */
    public final int files;
    public final int hardLinks;
    public final int symlinks;

    private SmallFileTree(int files, int hardLinks, int symlinks) {
        this.files = files;
        this.hardLinks = hardLinks;
        this.symlinks = symlinks;
    }

    /** Writes the tree under root (created; must not exist). */
    public static SmallFileTree write(Path root, int files, long seed) {
        try {
            return doWrite(root, files, seed);
        } catch (IOException e) {
            throw new UncheckedIOException("writing a small-file tree under " + root, e);
        }
    }

    private static SmallFileTree doWrite(Path root, int files, long seed) throws IOException {
        Random rnd = new Random(seed);
        List<Path> dirs = new ArrayList<>();
        dirs.add(Files.createDirectories(root));
        for (int a = 0; a < 4; a++) {
            Path top = Files.createDirectory(root.resolve("top" + a));
            dirs.add(top);
            for (int b = 0; b < 6; b++) {
                dirs.add(Files.createDirectory(top.resolve("sub" + b)));
            }
        }
        List<Path> made = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        String[] modes = {"rw-r--r--", "rw-r--r--", "rw-r--r--", "rw-------", "rwxr-xr-x", "r--r--r--", "rw-rw-r--"};
        long t0 = 1_600_000_000L;
        for (int i = 0; i < files; i++) {
            Path dir = dirs.get(rnd.nextInt(dirs.size()));
            Path f = dir.resolve(String.format("f%04d.dat", i));
            byte[] data;
            if (i % 97 == 50) {
                data = contents.get(rnd.nextInt(contents.size())); // the content of an earlier file: dedup
            } else {
                int bucket = rnd.nextInt(10);
                int size = bucket == 0 ? rnd.nextInt(101) : bucket < 7 ? 100 + rnd.nextInt(8 << 10)
                        : (8 << 10) + rnd.nextInt(56 << 10);
                data = new byte[size];
                rnd.nextBytes(data);
            }
            Files.write(f, data);
            contents.add(data);
            made.add(f);
            if (i % 300 == 7) {
                UserDefinedFileAttributeView x = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
                x.write("comment", ByteBuffer.wrap(("file " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(modes[rnd.nextInt(modes.length)]));
            Files.setLastModifiedTime(f, FileTime.from(java.time.Instant.ofEpochSecond(t0 + i * 61L, rnd.nextInt(1_000_000_000))));
        }
        int hard = 0;
        int sym = 0;
        for (int i = 0; i < files; i += 50) {
            Path target = made.get(i);
            Path dir = dirs.get(rnd.nextInt(dirs.size()));
            Files.createLink(dir.resolve(String.format("hard%04d.dat", i)), target);
            hard++;
            Path link = dirs.get(rnd.nextInt(dirs.size())).resolve(String.format("link%04d", i));
            switch (sym++ % 3) {
                case 0 -> Files.createSymbolicLink(link, link.getParent().relativize(target));
                case 1 -> Files.createSymbolicLink(link, Path.of("/etc/hostname"));
                default -> Files.createSymbolicLink(link, Path.of("does-not-exist-" + i));
            }
        }
        UserDefinedFileAttributeView dx = Files.getFileAttributeView(dirs.get(3), UserDefinedFileAttributeView.class);
        dx.write("dir.note", ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}));
        // Directory times last (creating entries changes them), deepest first.
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.setLastModifiedTime(dirs.get(i), FileTime.from(java.time.Instant.ofEpochSecond(t0 - i * 3600L, 500_000_000)));
        }
        return new SmallFileTree(files, hard, sym);
    }
}
