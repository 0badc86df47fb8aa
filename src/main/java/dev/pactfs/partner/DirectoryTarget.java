package dev.pactfs.partner;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/*
 * Publishing: the bytes go to "<final dir>/.tmp-<random>", are forced to the device, the temp file is renamed to
 * its final name (ATOMIC_MOVE; on NFS/SSHFS a rename within one directory is atomic too), and the directory is
 * forced so the rename itself is durable. The root (<partner>/pactfs-<id>) is never created here: if it is not
 * there the partner share is not mounted, and creating it would write into the local mountpoint directory.
 * Subdirectories below it are created on demand.
 */

/** A {@link PartnerTarget} on a mounted directory (NFS, SMB, SSHFS, or local disk). */
final class DirectoryTarget implements PartnerTarget {

    /** Prefix of temp files; never a valid final name (final names are 64 hex digits or "config"). */
    static final String TEMP_PREFIX = ".tmp-";

    private final Path root;
    private final SecureRandom random = new SecureRandom();

    DirectoryTarget(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path path(Kind kind, String name) {
        checkName(kind, name);
        return switch (kind) {
            case CONFIG -> root.resolve("config");
            case PACK -> root.resolve("packs").resolve(name.substring(0, 2)).resolve(name);
            case INDEX -> root.resolve("index").resolve(name);
            case SNAPSHOT -> root.resolve("snapshots").resolve(name);
            case MANIFEST -> root.resolve("manifests").resolve(name);
        };
    }

    static void checkName(Kind kind, String name) {
        if (kind == Kind.CONFIG) {
            return;
        }
        if (name.length() != 64 || !name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new IllegalArgumentException("partner file name must be 64 lowercase hex digits: " + name);
        }
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        Path target = path(kind, name);
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "partner copy directory is missing");
        }
        if (Files.exists(target)) {
            return;
        }
        Path dir = target.getParent();
        Files.createDirectories(dir);
        byte[] r = new byte[8];
        random.nextBytes(r);
        Path tmp = dir.resolve(TEMP_PREFIX + HexFormat.of().formatHex(r));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                Files.deleteIfExists(tmp); // a concurrent save of the same content won
            }
            syncDir(dir);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Forces a directory's entries (a rename into it) to the device; file systems that cannot do that are skipped. */
    static void syncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some network file systems refuse fsync on a directory (EINVAL/EISDIR); their rename is synchronous.
            if (!Files.isDirectory(dir)) {
                throw e;
            }
        }
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        Path p = path(kind, name);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset < 0 || offset > size) {
                throw new EOFException(p + ": offset " + offset + " beyond size " + size);
            }
            long want = length < 0 ? size - offset : length;
            if (offset + want > size) {
                throw new EOFException(p + ": range " + offset + "+" + want + " beyond size " + size);
            }
            if (want > Integer.MAX_VALUE - 16) {
                throw new IOException(p + " is too large to load at once (" + want + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) want);
            long pos = offset;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new EOFException(p + " shrank while being read");
                }
                pos += n;
            }
            return buf.array();
        }
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        Path p = path(kind, name);
        if (!Files.exists(p)) {
            throw new NoSuchFileException(p.toString());
        }
        return Files.size(p);
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        List<String> out = new ArrayList<>();
        switch (kind) {
            case CONFIG -> throw new IllegalArgumentException("list of CONFIG");
            case PACK -> {
                Path packs = root.resolve("packs");
                if (!Files.isDirectory(packs)) {
                    return out;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(packs)) {
                    for (Path sub : ds) {
                        if (Files.isDirectory(sub)) {
                            listFinal(sub, out);
                        }
                    }
                }
            }
            case INDEX -> listFinal(root.resolve("index"), out);
            case SNAPSHOT -> listFinal(root.resolve("snapshots"), out);
            case MANIFEST -> listFinal(root.resolve("manifests"), out);
        }
        out.sort(null);
        return out;
    }

    /** One walk reading each entry's attributes (on NFS, readdirplus brings them with the names). */
    @Override
    public java.util.SortedMap<String, Long> sizes(Kind kind) throws IOException {
        Path dir = switch (kind) {
            case CONFIG -> throw new IllegalArgumentException("sizes of CONFIG");
            case PACK -> root.resolve("packs");
            case INDEX -> root.resolve("index");
            case SNAPSHOT -> root.resolve("snapshots");
            case MANIFEST -> root.resolve("manifests");
        };
        java.util.SortedMap<String, Long> out = new java.util.TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        Files.walkFileTree(dir, java.util.Set.of(), kind == Kind.PACK ? 2 : 1, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                String n = f.getFileName().toString();
                if (a.isRegularFile() && !n.startsWith(TEMP_PREFIX)) {
                    out.put(n, a.size());
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE; // deleted meanwhile
                }
                throw e;
            }
        });
        return out;
    }

    private static void listFinal(Path dir, List<String> out) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (!n.startsWith(TEMP_PREFIX) && Files.isRegularFile(f)) {
                    out.add(n);
                }
            }
        }
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        Path p = path(kind, name);
        if (Files.deleteIfExists(p)) {
            syncDir(p.getParent());
        }
    }

    @Override
    public int cleanup() throws IOException {
        int n = 0;
        List<Path> dirs = new ArrayList<>(List.of(root, root.resolve("index"), root.resolve("snapshots"),
                root.resolve("manifests")));
        Path packs = root.resolve("packs");
        if (Files.isDirectory(packs)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(packs)) {
                for (Path sub : ds) {
                    dirs.add(sub);
                }
            }
        }
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, TEMP_PREFIX + "*")) {
                for (Path f : ds) {
                    if (Files.deleteIfExists(f)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    @Override
    public long usableSpace() throws IOException {
        return Files.getFileStore(root).getUsableSpace();
    }

    @Override
    public String location() {
        return root.toString();
    }
}
