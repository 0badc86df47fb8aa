package dev.pactfs.cli;

import dev.pactfs.posix.Names;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.store.InodeRecord.Kind;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** One snapshot entry as ls -l shows it: type and mode, owner, size, mtime, path, symlink target. */
final class EntryFormat {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private EntryFormat() {
    }

    /** {@code drwxr-xr-x     0     0        4096 2026-12-06 17:00:00 /etc -> target}. */
    static String longLine(TreeEntry e, String path) {
        StringBuilder sb = new StringBuilder();
        sb.append(modeString(e)).append(String.format(" %6d %6d %12d ", e.uid(), e.gid(), e.isFile() ? e.size() : 0))
                .append(mtime(e)).append(' ').append(path);
        if (e.isSymlink()) {
            sb.append(" -> ").append(Names.printable(e.symlink()));
        }
        return sb.toString();
    }

    /**
     * The same entry for {@code --json}: {@code path} (printable, as in the text output), {@code type}, {@code mode}
     * (permission and setuid/setgid/sticky bits, as a number), {@code permissions} (as ls -l shows them),
     * {@code uid}, {@code gid}, {@code size} (files; 0 otherwise), {@code mtime} (ISO-8601 UTC, to the
     * nanosecond), {@code target} (symlinks only).
     */
    static com.fasterxml.jackson.databind.node.ObjectNode json(TreeEntry e, String path) {
        com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
        o.put("path", path);
        o.put("type", typeName(e));
        o.put("mode", e.mode() & 07777);
        o.put("permissions", modeString(e));
        o.put("uid", e.uid());
        o.put("gid", e.gid());
        o.put("size", e.isFile() ? e.size() : 0);
        o.put("mtime", Instant.ofEpochSecond(0, e.mtimeNs()).toString());
        if (e.isSymlink()) {
            o.put("target", Names.printable(e.symlink()));
        }
        return o;
    }

    private static String typeName(TreeEntry e) {
        return switch (e.kind()) {
            case Kind.DIR -> "dir";
            case Kind.SYMLINK -> "symlink";
            case Kind.FIFO -> "fifo";
            case Kind.CHAR_DEV -> "char-device";
            case Kind.BLOCK_DEV -> "block-device";
            case Kind.SOCKET -> "socket";
            default -> "file";
        };
    }

    static String mtime(TreeEntry e) {
        return TIME.format(Instant.ofEpochSecond(0, e.mtimeNs()));
    }

    static String modeString(TreeEntry e) {
        char type = switch (e.kind()) {
            case Kind.DIR -> 'd';
            case Kind.SYMLINK -> 'l';
            case Kind.FIFO -> 'p';
            case Kind.CHAR_DEV -> 'c';
            case Kind.BLOCK_DEV -> 'b';
            case Kind.SOCKET -> 's';
            default -> '-';
        };
        int m = e.mode();
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((m & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        if ((m & 04000) != 0) {
            sb.setCharAt(3, (m & 0100) != 0 ? 's' : 'S');
        }
        if ((m & 02000) != 0) {
            sb.setCharAt(6, (m & 010) != 0 ? 's' : 'S');
        }
        if ((m & 01000) != 0) {
            sb.setCharAt(9, (m & 01) != 0 ? 't' : 'T');
        }
        return sb.toString();
    }

    /** {@code dir} + "/" + the printable name of {@code e}. */
    static String child(String dir, TreeEntry e) {
        return (dir.endsWith("/") ? dir : dir + "/") + Names.printable(e.name());
    }
}
