package dev.pactfs.mount;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A recursive listing of a directory tree: relative path -> type, mode, uid, gid, size, mtime (ns), nlink,
 * inode, symlink target, sha256 of the content, and every xattr (all namespaces, as getfattr sees them, so
 * POSIX ACLs are included). Two manifests compare with one assertion that shows the first differences.
 *
 * <p>The root directory itself is recorded as "." . Sizes of directories are not recorded (file system
 * specific); inode numbers are recorded but compared only when {@link Field#INO} is asked for.
 */
public final class TreeManifest {

    public enum Field { TYPE, MODE, UID, GID, SIZE, MTIME, NLINK, INO, LINK, SHA256, XATTRS }

    /** What is compared by default: everything but inode numbers (they differ between two file systems). */
    public static final Set<Field> DEFAULT = EnumSet.complementOf(EnumSet.of(Field.INO));

    public record Entry(String path, char type, int mode, int uid, int gid, long size, long mtimeNs, int nlink,
                        long ino, String link, String sha256, Map<String, String> xattrs) {
        Object get(Field f) {
            return switch (f) {
                case TYPE -> type;
                case MODE -> String.format("%o", mode);
                case UID -> uid;
                case GID -> gid;
                case SIZE -> size;
                case MTIME -> mtimeNs;
                case NLINK -> nlink;
                case INO -> ino;
                case LINK -> link;
                case SHA256 -> sha256;
                case XATTRS -> xattrs;
            };
        }

        String describe(Set<Field> fields) {
            StringBuilder b = new StringBuilder();
            for (Field f : fields) {
                b.append(f.name().toLowerCase()).append('=').append(get(f)).append(' ');
            }
            return b.toString().trim();
        }
    }

    private final Path root;
    private final TreeMap<String, Entry> entries;

    private TreeManifest(Path root, TreeMap<String, Entry> entries) {
        this.root = root;
        this.entries = entries;
    }

    public Path root() {
        return root;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Entry get(String rel) {
        return entries.get(rel);
    }

    /** The manifest of the tree at root (root itself is ".", never followed if it is a symlink below). */
    public static TreeManifest of(Path root) {
        Map<String, Map<String, String>> xattrs = readXattrs(root);
        TreeMap<String, Entry> map = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    add(dir);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    add(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    throw exc;
                }

                private void add(Path p) throws IOException {
                    String rel = root.equals(p) ? "." : root.relativize(p).toString();
                    map.put(rel, entry(rel, p, xattrs.getOrDefault(p.toString(), Map.of())));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("manifest of " + root, e);
        }
        return new TreeManifest(root, map);
    }

    /** The entry for one file (xattrs included). */
    public static Entry entryOf(Path p) {
        Map<String, Map<String, String>> x = readXattrs(p);
        try {
            return entry(p.getFileName() == null ? "/" : p.getFileName().toString(), p,
                    x.getOrDefault(p.toString(), Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Entry entry(String rel, Path p, Map<String, String> xattrs) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,nlink,ino",
                LinkOption.NOFOLLOW_LINKS);
        int rawMode = (Integer) a.get("mode");
        char type = switch (rawMode & 0170000) {
            case 0100000 -> 'f';
            case 0040000 -> 'd';
            case 0120000 -> 'l';
            case 0010000 -> 'p';
            case 0020000 -> 'c';
            case 0060000 -> 'b';
            case 0140000 -> 's';
            default -> '?';
        };
        FileTime mt = (FileTime) a.get("lastModifiedTime");
        long mtimeNs = mt.to(TimeUnit.SECONDS) * 1_000_000_000L + mt.toInstant().getNano();
        String link = type == 'l' ? Files.readSymbolicLink(p).toString() : null;
        String sha = type == 'f' ? sha256(p) : null;
        long size = type == 'd' ? -1 : (Long) a.get("size");
        return new Entry(rel, type, rawMode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), size, mtimeNs,
                (Integer) a.get("nlink"), (Long) a.get("ino"), link, sha, xattrs);
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** getfattr -R: absolute path -> (name -> hex value), all namespaces, symlinks not followed. */
    static Map<String, Map<String, String>> readXattrs(Path root) {
        Sh.Result r = Sh.run(null, Map.of(), Duration.ofMinutes(5),
                List.of("getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", root.toString()));
        // getfattr exits 1 when some file has no xattr support; that is not an error here.
        if (r.exit() > 1) {
            throw new AssertionError("getfattr failed: " + r);
        }
        Map<String, Map<String, String>> out = new TreeMap<>();
        String current = null;
        for (String line : r.out().split("\n")) {
            if (line.startsWith("# file: ")) {
                current = unescape(line.substring(8));
                out.put(current, new TreeMap<>());
            } else if (!line.isEmpty() && current != null) {
                int eq = line.indexOf('=');
                String name = eq < 0 ? line : line.substring(0, eq);
                String value = eq < 0 ? "" : line.substring(eq + 1);
                out.get(current).put(name, value);
            }
        }
        return out;
    }

    /** getfattr escapes unusual characters in file names as \ooo. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() + 0 && s.substring(i + 1, Math.min(i + 4, s.length())).matches("[0-7]{3}")) {
                b.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                b.write('\\');
                i++;
            } else {
                byte[] bs = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                b.write(bs, 0, bs.length);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Only the entries at or below rel (re-rooted there). */
    public TreeManifest subtree(String rel) {
        TreeMap<String, Entry> m = new TreeMap<>();
        for (Entry e : entries.values()) {
            String nr;
            if (e.path().equals(rel)) {
                nr = ".";
            } else if (e.path().startsWith(rel + "/")) {
                nr = e.path().substring(rel.length() + 1);
            } else {
                continue;
            }
            m.put(nr, new Entry(nr, e.type(), e.mode(), e.uid(), e.gid(), e.size(), e.mtimeNs(), e.nlink(), e.ino(),
                    e.link(), e.sha256(), e.xattrs()));
        }
        return new TreeManifest(root.resolve(rel), m);
    }

    /** Without the given paths (and everything below them). */
    public TreeManifest without(String... rels) {
        TreeMap<String, Entry> m = new TreeMap<>(entries);
        for (String rel : rels) {
            m.keySet().removeIf(k -> k.equals(rel) || k.startsWith(rel + "/"));
        }
        return new TreeManifest(root, m);
    }

    /** Differences, one line each, in path order. */
    public List<String> diff(TreeManifest other, Set<Field> fields) {
        List<String> out = new ArrayList<>();
        Set<String> paths = new TreeSet<>(entries.keySet());
        paths.addAll(other.entries.keySet());
        for (String p : paths) {
            Entry a = entries.get(p);
            Entry b = other.entries.get(p);
            if (a == null) {
                out.add(p + ": only in " + other.root + " (" + b.describe(fields) + ")");
            } else if (b == null) {
                out.add(p + ": only in " + root + " (" + a.describe(fields) + ")");
            } else {
                StringBuilder d = new StringBuilder();
                for (Field f : fields) {
                    if (!Objects.equals(a.get(f), b.get(f))) {
                        d.append(' ').append(f.name().toLowerCase()).append(": ").append(a.get(f)).append(" != ")
                                .append(b.get(f)).append(';');
                    }
                }
                if (d.length() > 0) {
                    out.add(p + ":" + d);
                }
            }
        }
        return out;
    }

    /** Asserts the expected tree (first) and this one are identical in the given fields. */
    public static void assertSame(TreeManifest expected, TreeManifest actual, Set<Field> fields) {
        List<String> d = expected.diff(actual, fields);
        if (!d.isEmpty()) {
            StringBuilder b = new StringBuilder();
            b.append(d.size()).append(" difference(s) between ").append(expected.root).append(" (expected) and ")
                    .append(actual.root).append(" (actual), compared: ").append(fields).append('\n');
            for (int i = 0; i < Math.min(25, d.size()); i++) {
                b.append("  ").append(d.get(i)).append('\n');
            }
            if (d.size() > 25) {
                b.append("  ... ").append(d.size() - 25).append(" more\n");
            }
            throw new AssertionError(b.toString());
        }
    }

    public static void assertSame(TreeManifest expected, TreeManifest actual) {
        assertSame(expected, actual, DEFAULT);
    }

    public static Set<Field> except(Field... ignored) {
        EnumSet<Field> s = EnumSet.copyOf(DEFAULT);
        for (Field f : ignored) {
            s.remove(f);
        }
        return s;
    }

    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (Entry e : entries.values()) {
            b.append(e.path()).append(' ').append(e.describe(EnumSet.allOf(Field.class))).append('\n');
        }
        return b.toString();
    }
}
