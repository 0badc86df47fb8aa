package dev.pactfs.snapshot;

import dev.pactfs.posix.Fd;
import dev.pactfs.posix.Names;
import dev.pactfs.posix.Posix;
import dev.pactfs.posix.PosixException;
import dev.pactfs.store.Cancellation;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.InodeRecord.Kind;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/*
 * Restore writes through dev.pactfs.posix, never through the JDK's path API, because it often runs as root into
 * directories others can write to:
 *
 * - Names are the snapshot's bytes, end to end: `bad\xff` and `bad\xfe` are two files, as they were.
 * - Every entry is created and changed relative to its parent directory's fd, never by path, and no call
 *   follows a symlink in the name it acts on. A directory swapped for a symlink mid-restore (by someone who can
 *   write to its parent) cannot redirect a write: the restorer keeps writing into the directory it opened.
 *   Only the target path the user typed is resolved as the shell would.
 * - A name that is not a single component ('/', NUL, ".", "..", empty) is refused with the snapshot path, even
 *   when the tree decoder let it through; nothing is created for it.
 * - Files are created 0600 and directories 0700, so nobody else can open them while they are being filled.
 *   Each file gets its real owner, xattrs, mode and times once its content is written; a directory once all its
 *   entries are (creating entries changes its mtime). Order: chown (it clears setuid and file capabilities),
 *   xattrs, chmod, times.
 * - As root: owners, setuid/setgid bits and device nodes are restored, as GNU tar does for root. Otherwise an
 *   owner that is not this user is dropped (counted), so are setuid/setgid bits whose owner or group could not
 *   be restored, and device nodes; fifos need no privilege and are restored.
 * - Hard links: entries of one snapshot with equal inode numbers (and nlink > 1) are linked to the first one
 *   restored, through the fd that wrote it (kept open until its last link is made).
 *
 * Existing entries (restore onto an existing target): see Overwrite. A directory target carries a resume marker
 * (RestoreMarker) while the restore runs, so a rerun can tell its own partial output from anything else.
 */

/** Copies a snapshot, or one path in it, out to a local directory, preserving metadata. Not thread-safe. */
public final class Restorer {

    /** Progress so far, handed to the listener after every file. */
    public record Progress(long files, long bytes, long totalBytes) {
    }

    /** Receives progress; called on the restoring thread. */
    @FunctionalInterface
    public interface ProgressListener {
        void progress(Progress p);
    }

    /** What restore does with an entry that already exists in the target (restic's --overwrite, plus refuse). */
    public enum Overwrite {
        /** An existing, non-empty target is an error (unless it holds this very restore's resume marker). */
        REFUSE,
        /** Replace every existing non-directory entry; directories are merged. */
        ALWAYS,
        /** Replace a file unless its content already equals the snapshot's (compared byte for byte). */
        IF_CHANGED,
        /** Keep every existing entry as it is; create only what is missing. */
        NEVER
    }

    /** What the restore skipped or dropped, for the summary line. */
    public record Counts(long unchanged, long kept, long droppedOwners, long droppedSetIdBits, long droppedDevices) {
    }

    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;

    private final ChunkStore store;
    private final Trees trees;
    private final ProgressListener listener;
    private final Map<Long, HardLink> linked = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private Overwrite overwrite = Overwrite.REFUSE;
    private boolean asRoot;
    private int euid;
    private int egid;
    private Overwrite mode;
    private String snapName;
    private long files;
    private long bytes;
    private long totalBytes;
    private long unchanged;
    private long kept;
    private long droppedOwners;
    private long droppedSetId;
    private long droppedDevices;
    /** restore --include/--exclude; null restores everything. */
    private RestoreFilter filter;
    /** The snapshot path (UTF-8 decoded) of the directory being filled, which the filter's patterns match. */
    private String matchDir = "/";
    private long filteredOut;
    private boolean verify;
    private long verified;
    private final List<String> mismatches = new ArrayList<>();

    /** The first restored link of a hard-linked file, and how many links are still to come. */
    private static final class HardLink {
        final Fd fd;
        int pending;

        HardLink(Fd fd, int pending) {
            this.fd = fd;
            this.pending = pending;
        }
    }

    public Restorer(ChunkStore store, Trees trees, ProgressListener listener) {
        this.store = store;
        this.trees = trees;
        this.listener = listener == null ? p -> { } : listener;
        this.asRoot = Posix.isRoot();
        this.euid = Posix.euid();
        this.egid = Posix.egid();
    }

    /** Sets what happens to existing entries (default {@link Overwrite#REFUSE}). */
    public Restorer overwrite(Overwrite o) {
        this.overwrite = o;
        return this;
    }

    /**
     * Restores as an unprivileged user would (owners, setuid/setgid bits, devices dropped and counted) even when
     * running as root; tests use it, and an admin who wants a plain copy.
     */
    public Restorer asUnprivileged() {
        this.asRoot = false;
        return this;
    }

    /** Restores only what {@code f} selects below the restored path (restic's --include/--exclude). */
    public Restorer filter(RestoreFilter f) {
        this.filter = f == null || f.isEmpty() ? null : f;
        return this;
    }

    /**
     * Reads every file back once it is written (through the fd that wrote it) and compares it with the
     * snapshot's content, as restic's --verify; {@link #mismatches()} names the files that differ.
     */
    public Restorer verify(boolean on) {
        this.verify = on;
        return this;
    }

    /** Files read back and found equal to the snapshot (with {@link #verify}). */
    public long verified() {
        return verified;
    }

    /** Snapshot paths of the files whose content read back differs from the snapshot's (with {@link #verify}). */
    public List<String> mismatches() {
        return mismatches;
    }

    /** Entries left out by the filter (with everything below them). */
    public long filteredOut() {
        return filteredOut;
    }

    /** Things that could not be restored exactly (a socket, an entry kept in the way, say). */
    public List<String> warnings() {
        return warnings;
    }

    public Counts counts() {
        return new Counts(unchanged, kept, droppedOwners, droppedSetId, droppedDevices);
    }

    /** As {@link #restore(SnapshotRecord, String, Path, boolean)} without "into". */
    public Progress restore(SnapshotRecord snap, String path, Path target) throws IOException {
        return restore(snap, path, target, false);
    }

    /**
     * Restores {@code path} (slash-separated, "" for the whole snapshot) of {@code snap} to {@code target}.
     * With {@code into} (the user wrote TARGET/), target must be an existing directory and the entry is restored
     * in it under its own name (the whole snapshot: into target itself). Otherwise target is the restored entry
     * itself, or, for a non-directory entry and an existing directory target, the directory it goes into.
     * An existing target is refused unless the overwrite mode allows it or it holds this restore's marker.
     */
    public Progress restore(SnapshotRecord snap, String path, Path target, boolean into) throws IOException {
        snapName = snap.name();
        mode = overwrite;
        TreeEntry root = trees.rootOf(snap.root());
        TreeEntry e = trees.walk(root, Trees.components(path));
        if (e == null) {
            throw new SnapshotException("no path '" + path + "' in snapshot " + snap.name());
        }
        String shown = "/" + String.join("/", path.split("/+")).replaceAll("^/+", "");
        matchDir = "/" + String.join("/", Trees.components(path).stream()
                .map(n -> new String(n, java.nio.charset.StandardCharsets.UTF_8)).toList());
        Path abs = target.toAbsolutePath().normalize();
        totalBytes = sizeOf(e, shown);
        try {
            if (into || abs.getParent() == null) {
                try (Fd dir = openTargetDir(abs, into)) {
                    if (e == root) {
                        restoreTopDir(dir, e, snap, path, abs, shown);
                    } else {
                        restoreTop(dir, e.name(), e, snap, path, abs.resolve(e.nameString()), shown);
                    }
                }
            } else {
                byte[] last = bytes(abs.getFileName());
                try (Fd parent = openTargetDir(abs.getParent(), false)) {
                    Posix.Stat st = Posix.lstatAt(parent, last);
                    if (st != null && st.isDir() && !e.isDir()) {
                        try (Fd dir = Posix.openDirectoryAt(parent, last)) {
                            restoreTop(dir, e.name(), e, snap, path, abs.resolve(e.nameString()), shown);
                        }
                    } else {
                        restoreTop(parent, last, e, snap, path, abs, shown);
                    }
                }
            }
        } finally {
            for (HardLink h : linked.values()) {
                h.fd.close();
            }
            linked.clear();
        }
        Progress p = new Progress(files, bytes, totalBytes);
        listener.progress(p);
        return p;
    }

    private Fd openTargetDir(Path dir, boolean into) throws IOException {
        try {
            return Posix.openDirectoryPath(bytes(dir));
        } catch (PosixException ex) {
            if (ex.isNotFound()) {
                throw new SnapshotException("restore target " + dir + (into ? "/" : "") + " does not exist or is not a"
                        + " directory" + (into ? " (a trailing '/' means into that directory: create it first)" : ""));
            }
            throw ex;
        }
    }

    /** The entry {@code e} at {@code name} in {@code parent}: a directory (with its marker) or one other entry. */
    private void restoreTop(Fd parent, byte[] name, TreeEntry e, SnapshotRecord snap, String path, Path shownTarget,
                            String shown) throws IOException {
        Posix.Stat st = Posix.lstatAt(parent, name);
        if (e.isDir()) {
            if (st == null) {
                Posix.mkdirAt(parent, name, 0700);
            } else if (!st.isDir()) {
                throw new SnapshotException("restore target " + shownTarget + " exists and is not a directory: choose"
                        + " another target or remove it");
            }
            try (Fd dir = Posix.openDirectoryAt(parent, name)) {
                restoreTopDir(dir, e, snap, path, shownTarget, shown);
            }
            return;
        }
        if (st != null) {
            if (overwrite == Overwrite.REFUSE) {
                throw existing(shownTarget);
            }
            if (st.isDir()) {
                throw new SnapshotException("restore target " + shownTarget + " is a directory; " + shown
                        + " is not: give the directory with a trailing '/' to restore into it");
            }
            if (overwrite == Overwrite.NEVER
                    || overwrite == Overwrite.IF_CHANGED && st.isRegular() && unchanged(parent, name, e)) {
                restoreChild(parent, e, name, shown);
                return;
            }
        }
        // a single entry goes to a temporary name first, so a failure leaves nothing under the target's name
        byte[] tmp = ("." + new String(name, Charset.forName("ISO-8859-1")).replaceAll("[^ -~]", "_")
                + ".pactfs-restore-" + Long.toHexString(System.nanoTime())).getBytes(Charset.forName("ISO-8859-1"));
        tmp = tmp.length > 255 ? Arrays.copyOfRange(tmp, tmp.length - 255, tmp.length) : tmp;
        boolean done = false;
        try {
            create(parent, tmp, e, shown);
            Posix.renameAt(parent, tmp, parent, name);
            done = true;
        } finally {
            if (!done) {
                try {
                    Posix.unlinkAt(parent, tmp, false);
                } catch (PosixException ignored) {
                    // nothing was created, or it is already gone
                }
            }
        }
    }

    /** The directory {@code dir} becomes the snapshot directory {@code e}: marker checks, contents, metadata. */
    private void restoreTopDir(Fd dir, TreeEntry e, SnapshotRecord snap, String path, Path shownTarget, String shown)
            throws IOException {
        byte[] mine = RestoreMarker.content(snap, path);
        byte[] found = RestoreMarker.read(dir);
        if (found != null && Arrays.equals(found, mine)) {
            // our own interrupted restore: continue it, keeping what is complete
            mode = overwrite == Overwrite.REFUSE ? Overwrite.IF_CHANGED : overwrite;
        } else if (found != null && overwrite == Overwrite.REFUSE) {
            throw new SnapshotException("restore target " + shownTarget + " holds an interrupted restore of "
                    + RestoreMarker.describe(found) + ": rerun that restore to continue it, or pass --overwrite"
                    + " always|if-changed|never");
        } else if (found == null && overwrite == Overwrite.REFUSE && !RestoreMarker.isEmpty(dir)) {
            throw existing(shownTarget);
        }
        RestoreMarker.write(dir, mine);
        TreeEntry deferred = restoreContents(dir, e, shown, true);
        RestoreMarker.remove(dir);
        if (deferred != null) {
            restoreSelected(dir, deferred, child(shown, deferred));
        }
        setMetadata(dir, e, shown);
    }

    private static SnapshotException existing(Path target) {
        return new SnapshotException("restore target " + target + " exists: choose a new target, or pass --overwrite"
                + " always|if-changed|never");
    }

    /**
     * Restores the entries of directory {@code e} into {@code dir}. At the top, an entry named like the resume
     * marker is returned instead of restored, to be restored once the marker is gone.
     */
    private TreeEntry restoreContents(Fd dir, TreeEntry e, String shown, boolean top) throws IOException {
        TreeEntry deferred = null;
        for (TreeEntry c : listing(e, shown)) {
            String childShown = child(shown, c);
            if (!Names.isComponent(c.name())) {
                throw new TreeFormatException("snapshot " + snapName + ", directory " + shown + ": entry name '"
                        + Names.printable(c.name()) + "' is not a file name (hostile or corrupt tree)");
            }
            if (top && Arrays.equals(c.name(), RestoreMarker.NAME)) {
                deferred = c; // the filter decides on it when it is restored, as on any entry
                continue;
            }
            restoreSelected(dir, c, childShown);
        }
        return deferred;
    }

    /** Restores the entry {@code c} of {@code dir} as far as the filter selects it, or counts it as left out. */
    private void restoreSelected(Fd dir, TreeEntry c, String childShown) throws IOException {
        String saved = matchDir;
        matchDir = (saved.endsWith("/") ? saved : saved + "/") + new String(c.name(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (filter == null || filter.included(matchDir) && !filter.excluded(matchDir)) {
                restoreChild(dir, c, c.name(), childShown);
            } else if (c.isDir() && !filter.excluded(matchDir) && filter.mayIncludeBelow(matchDir)) {
                restoreOnTheWay(dir, c, childShown);
            } else {
                filteredOut++;
            }
        } finally {
            matchDir = saved;
        }
    }

    /**
     * A directory the include patterns do not name but may name something in: restored, and removed again when
     * nothing in it was selected (and this restore made it), as restic creates only the directories on the way.
     */
    private void restoreOnTheWay(Fd dir, TreeEntry c, String shown) throws IOException {
        boolean existed = Posix.lstatAt(dir, c.name()) != null;
        restoreChild(dir, c, c.name(), shown);
        if (existed || Posix.lstatAt(dir, c.name()) == null) {
            return;
        }
        boolean empty;
        try (Fd sub = Posix.openDirectoryAt(dir, c.name())) {
            empty = RestoreMarker.isEmpty(sub);
        }
        if (empty) {
            Posix.unlinkAt(dir, c.name(), true);
            filteredOut++;
        }
    }

    private List<TreeEntry> listing(TreeEntry dir, String shown) throws IOException {
        try {
            return trees.get(dir.subtree());
        } catch (TreeFormatException ex) {
            throw new TreeFormatException("snapshot " + snapName + ", directory " + shown + ": " + ex.getMessage());
        }
    }

    /** Restores {@code e} as {@code name} in {@code dir}, dealing with what is already there. */
    private void restoreChild(Fd dir, TreeEntry e, byte[] name, String shown) throws IOException {
        Cancellation.checkpoint(); // per entry: a cancelled restore stops between files
        Posix.Stat st = Posix.lstatAt(dir, name);
        if (st != null) {
            if (e.isDir() && st.isDir()) {
                try (Fd sub = Posix.openDirectoryAt(dir, name)) {
                    restoreContents(sub, e, shown, false);
                    setMetadata(sub, e, shown);
                }
                return;
            }
            if (mode == Overwrite.NEVER) {
                kept++;
                return;
            }
            if (st.isDir()) {
                // never remove a directory tree the snapshot does not replace with one
                warnings.add(shown + ": a directory is in the way; kept, " + kindName(e) + " not restored");
                kept++;
                return;
            }
            HardLink first = e.isFile() && e.nlink() > 1 ? linked.get(e.ino()) : null;
            if (first != null && Posix.fstat(first.fd).ino() == st.ino()) {
                linkDone(e, first);
                files++;
                return;
            }
            if (mode == Overwrite.IF_CHANGED && first == null && st.isRegular() && unchanged(dir, name, e)) {
                Fd f = Posix.openAt(dir, name, Posix.O_RDONLY, 0);
                try {
                    unchanged++;
                    files++;
                    if (verify) {
                        verified++; // unchanged() has just compared it byte for byte
                    }
                    setMetadata(f, e, shown);
                    f = keepForLinks(e, f);
                } finally {
                    if (f != null) {
                        f.close();
                    }
                }
                listener.progress(new Progress(files, bytes, totalBytes));
                return;
            }
            Posix.unlinkAt(dir, name, false);
        }
        create(dir, name, e, shown);
    }

    /** Creates {@code e} as {@code name} in {@code dir} (nothing there yet) with all its metadata. */
    private void create(Fd dir, byte[] name, TreeEntry e, String shown) throws IOException {
        switch (e.kind()) {
            case Kind.DIR -> {
                Posix.mkdirAt(dir, name, 0700);
                try (Fd sub = Posix.openDirectoryAt(dir, name)) {
                    restoreContents(sub, e, shown, false);
                    setMetadata(sub, e, shown);
                }
            }
            case Kind.FILE -> {
                HardLink first = e.nlink() > 1 ? linked.get(e.ino()) : null;
                if (first != null) {
                    Posix.linkAt(first.fd, dir, name);
                    linkDone(e, first);
                } else {
                    Fd f = Posix.openAt(dir, name, (verify ? Posix.O_RDWR : Posix.O_WRONLY) | Posix.O_CREAT
                            | Posix.O_EXCL, 0600);
                    try {
                        writeContent(f, e);
                        setMetadata(f, e, shown);
                        if (verify) {
                            readBack(f, e, shown);
                        }
                        f = keepForLinks(e, f);
                    } finally {
                        if (f != null) {
                            f.close();
                        }
                    }
                }
                files++;
                listener.progress(new Progress(files, bytes, totalBytes));
            }
            case Kind.SYMLINK -> {
                Posix.symlinkAt(e.symlink(), dir, name);
                setMetadataAt(dir, name, e, shown);
            }
            case Kind.FIFO -> {
                Posix.mknodAt(dir, name, Posix.S_IFIFO | 0600, 0);
                setMetadataAt(dir, name, e, shown);
            }
            case Kind.CHAR_DEV, Kind.BLOCK_DEV -> {
                if (!asRoot) {
                    droppedDevices++;
                    return;
                }
                Posix.mknodAt(dir, name, (e.kind() == Kind.CHAR_DEV ? Posix.S_IFCHR : Posix.S_IFBLK) | 0600, e.rdev());
                setMetadataAt(dir, name, e, shown);
            }
            case Kind.SOCKET -> warnings.add(shown + ": socket not restored");
            default -> throw new TreeFormatException("snapshot " + snapName + ", " + shown + ": unknown entry kind "
                    + e.kind());
        }
    }

    /**
     * Keeps the fd of the first link of a hard-linked file open for the links still to come (linking through it
     * needs no path, so nothing can be swapped in between); returns the fd when it is not kept, for closing.
     */
    private Fd keepForLinks(TreeEntry e, Fd f) {
        if (e.nlink() > 1 && !linked.containsKey(e.ino())) {
            linked.put(e.ino(), new HardLink(f, e.nlink() - 1));
            return null;
        }
        return f;
    }

    private void linkDone(TreeEntry e, HardLink h) throws PosixException {
        if (--h.pending <= 0) {
            linked.remove(e.ino());
            h.fd.close();
        }
    }

    private void writeContent(Fd f, TreeEntry e) throws IOException {
        long pos = 0;
        for (ChunkRef r : e.chunks()) {
            Cancellation.checkpoint(); // and between the chunks of a large file
            if (!r.isHole()) {
                // holes are skipped: the next positioned write, or the final truncate, leaves them unallocated
                Posix.pwriteFully(f, store.get(r.id()), r.length(), pos);
                bytes += r.length();
            }
            pos += r.length();
        }
        if (Posix.fstat(f).size() != e.size()) {
            Posix.ftruncate(f, e.size());
        }
    }

    /** --verify: compares the file just written through {@code f} with the snapshot's content. */
    private void readBack(Fd f, TreeEntry e, String shown) throws IOException {
        boolean same;
        try {
            same = Posix.fstat(f).size() == e.size() && sameContent(f, e);
        } catch (PosixException ex) {
            same = false;
        }
        if (same) {
            verified++;
        } else {
            mismatches.add(shown);
        }
    }

    /** Whether {@code name} in {@code dir} is a regular file whose content is exactly {@code e}'s. */
    private boolean unchanged(Fd dir, byte[] name, TreeEntry e) throws IOException {
        if (!e.isFile()) {
            return false;
        }
        // O_NONBLOCK: a fifo swapped in after the caller's lstat must not hang the restore
        try (Fd f = Posix.openAt(dir, name, Posix.O_RDONLY | Posix.O_NONBLOCK, 0)) {
            Posix.Stat st = Posix.fstat(f);
            if (!st.isRegular() || st.size() != e.size()) {
                return false;
            }
            return sameContent(f, e);
        } catch (PosixException ex) {
            return false; // unreadable, or a symlink (ELOOP): not ours to keep
        }
    }

    /** Whether the file open as {@code f} holds {@code e}'s content, chunk by chunk. */
    private boolean sameContent(Fd f, TreeEntry e) throws IOException {
        long pos = 0;
        for (ChunkRef r : e.chunks()) {
            byte[] have = new byte[r.length()];
            int got = 0;
            while (got < have.length) {
                byte[] part = got == 0 ? have : new byte[have.length - got];
                int n = Posix.pread(f, part, pos + got);
                if (n == 0) {
                    return false;
                }
                if (part != have) {
                    System.arraycopy(part, 0, have, got, n);
                }
                got += n;
            }
            byte[] want = r.isHole() ? new byte[r.length()] : store.get(r.id());
            if (!Arrays.equals(have, 0, r.length(), want, 0, r.length())) {
                return false;
            }
            pos += r.length();
        }
        return true;
    }

    /** Owner, xattrs, mode, times of a file or directory through its fd. */
    private void setMetadata(Fd fd, TreeEntry e, String shown) throws IOException {
        if (ownerRestored(e)) {
            Posix.fchown(fd, e.uid(), e.gid());
        }
        for (TreeEntry.Xattr x : e.xattrs()) {
            try {
                Posix.fsetxattr(fd, x.name(), x.value());
            } catch (PosixException ex) {
                warnings.add(shown + ": xattr " + Names.printable(x.name()) + " not restored: " + ex.getMessage());
            }
        }
        Posix.fchmod(fd, permitted(e));
        Posix.futimens(fd, e.atimeNs(), e.mtimeNs());
    }

    /** The same for a symlink, fifo or device, by name in its directory, never following a symlink. */
    private void setMetadataAt(Fd dir, byte[] name, TreeEntry e, String shown) throws IOException {
        if (ownerRestored(e)) {
            Posix.chownAt(dir, name, e.uid(), e.gid());
        }
        for (TreeEntry.Xattr x : e.xattrs()) {
            try {
                Posix.setXattrAt(dir, name, x.name(), x.value());
            } catch (PosixException ex) {
                warnings.add(shown + ": xattr " + Names.printable(x.name()) + " not restored: " + ex.getMessage());
            }
        }
        if (!e.isSymlink()) {
            Posix.chmodAt(dir, name, permitted(e));
        }
        Posix.utimesAt(dir, name, e.atimeNs(), e.mtimeNs());
    }

    /** Whether to chown: always as root; otherwise never, counting an owner that is not this user's. */
    private boolean ownerRestored(TreeEntry e) {
        if (asRoot) {
            return true;
        }
        if (e.uid() != euid || e.gid() != egid) {
            droppedOwners++;
        }
        return false;
    }

    /** The mode to set: the snapshot's, minus setuid/setgid whose owner or group was not restored. */
    private int permitted(TreeEntry e) {
        int m = e.mode();
        if (asRoot) {
            return m;
        }
        int drop = (e.uid() != euid ? S_ISUID : 0) | (e.gid() != egid ? S_ISGID : 0);
        if ((m & drop) != 0) {
            droppedSetId++;
            m &= ~drop;
        }
        return m;
    }

    private long sizeOf(TreeEntry e, String shown) throws IOException {
        if (!e.isDir()) {
            return e.isFile() ? e.size() : 0;
        }
        long n = 0;
        for (TreeEntry c : listing(e, shown)) {
            n += sizeOf(c, child(shown, c));
        }
        return n;
    }

    /** The snapshot path of {@code c} in the directory shown as {@code shown}, for messages. */
    private static String child(String shown, TreeEntry c) {
        return (shown.endsWith("/") ? shown : shown + "/") + Names.printable(c.name());
    }

    private static String kindName(TreeEntry e) {
        return e.isFile() ? "file" : e.isSymlink() ? "symlink" : "entry";
    }

    /** A path the user gave, as the bytes the JDK would pass to the kernel. */
    private static byte[] bytes(Path p) {
        return p.toString().getBytes(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")));
    }
}
