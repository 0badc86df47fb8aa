package dev.pactfs.partner;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
 *
 * Nothing here follows a symlink below the partner directory (NoFollow): the host owns it and could plant one, and
 * pactfs at home runs as root. A link met while listing or cleaning up is warned about and skipped; a read, write
 * or delete whose path passes through one fails with NoFollow.SymlinkPlantedException.
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
        checkRoot();
        NoFollow.check(root, target);
        if (NoFollow.attributes(target) != null) {
            return;
        }
        Path dir = target.getParent();
        createDirectories(dir);
        byte[] r = new byte[8];
        random.nextBytes(r);
        Path tmp = dir.resolve(TEMP_PREFIX + HexFormat.of().formatHex(r));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
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

    /** The copy directory itself must be a real directory: missing means "not mounted", a link is refused. */
    private void checkRoot() throws IOException {
        BasicFileAttributes a = NoFollow.attributes(root);
        if (a != null && a.isSymbolicLink()) {
            throw NoFollow.planted(root);
        }
        if (a == null || !a.isDirectory()) {
            throw new NoSuchFileException(root.toString(), null, "partner copy directory is missing");
        }
    }

    /** Creates {@code dir}'s missing components below the root one by one, refusing any that is a link. */
    private void createDirectories(Path dir) throws IOException {
        Path at = root;
        for (Path part : root.relativize(dir)) {
            at = at.resolve(part);
            BasicFileAttributes a = NoFollow.attributes(at);
            if (a == null) {
                try {
                    Files.createDirectory(at);
                } catch (FileAlreadyExistsException e) {
                    a = NoFollow.attributes(at); // a concurrent save made it, or the host planted something
                }
            }
            if (a != null && a.isSymbolicLink()) {
                throw NoFollow.planted(at);
            }
        }
    }

    /** Forces a directory's entries (a rename into it) to the device; file systems that cannot do that are skipped. */
    static void syncDir(Path dir) throws IOException {
        dev.pactfs.files.PrivateFiles.syncDirectory(dir);
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        Path p = path(kind, name);
        NoFollow.check(root, p);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
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
        NoFollow.check(root, p);
        BasicFileAttributes a = NoFollow.attributes(p);
        if (a == null) {
            throw new NoSuchFileException(p.toString());
        }
        return a.size();
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        List<String> out = new ArrayList<>();
        switch (kind) {
            case CONFIG -> throw new IllegalArgumentException("list of CONFIG");
            case PACK -> {
                Path packs = root.resolve("packs");
                if (!realDir(packs)) {
                    return out;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(packs)) {
                    for (Path sub : ds) {
                        if (NoFollow.notALink(sub) && NoFollow.isDirectory(sub)) {
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
        if (!realDir(dir)) {
            return out;
        }
        Files.walkFileTree(dir, java.util.Set.of(), kind == Kind.PACK ? 2 : 1, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a)
                    throws IOException {
                String n = f.getFileName().toString();
                if (a.isSymbolicLink()) {
                    NoFollow.notALink(f); // walkFileTree does not follow it; say it is there
                } else if (a.isRegularFile() && !n.startsWith(TEMP_PREFIX)) {
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

    private void listFinal(Path dir, List<String> out) throws IOException {
        if (!realDir(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                if (!n.startsWith(TEMP_PREFIX) && NoFollow.notALink(f) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(n);
                }
            }
        }
    }

    /**
     * True when {@code dir} (root or below) is a real directory reached through no link; a link on the way is
     * warned about and the directory treated as absent.
     */
    private boolean realDir(Path dir) throws IOException {
        try {
            NoFollow.check(root, dir);
        } catch (NoFollow.SymlinkPlantedException e) {
            return false; // already warned
        }
        return NoFollow.isDirectory(dir);
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        Path p = path(kind, name);
        NoFollow.check(root, p.getParent());
        BasicFileAttributes a = NoFollow.attributes(p);
        if (a != null && a.isSymbolicLink()) {
            NoFollow.notALink(p); // not ours: warned about and left alone
            return;
        }
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
        if (realDir(packs)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(packs)) {
                for (Path sub : ds) {
                    dirs.add(sub);
                }
            }
        }
        for (Path d : dirs) {
            if (!realDir(d)) {
                continue;
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, TEMP_PREFIX + "*")) {
                for (Path f : ds) {
                    // Unlinking a link would not follow it, but a link is not a temp file of ours: leave it.
                    if (NoFollow.notALink(f) && Files.deleteIfExists(f)) {
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
