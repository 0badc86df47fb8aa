package dev.pactfs.fs;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.FileChunkLists;
import dev.pactfs.store.InodeRecord;
import dev.pactfs.store.InodeRecord.Kind;
import dev.pactfs.store.Namespace;
import dev.pactfs.store.Tx;
import dev.pactfs.store.Xattrs;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design: the namespace lives in the catalog (inodes, dentries, xattrs); inode numbers are the table's keys,
 * so they are stable across remounts, and the root is inode 1. Every namespace change runs in one catalog
 * transaction under one lock (nsLock), which keeps the cross-row invariants simple to reason about: nlink equals
 * the number of entries naming a non-directory, a directory has 2 + its subdirectories, no directory is moved
 * into itself. Lookups and attribute reads take no lock; they read committed rows.
 *
 * File content goes through OpenFile (one per open inode, see there). An inode whose last entry is removed
 * while handles are open keeps nlink = 0 in the catalog (an orphan) until its last handle is released; an
 * orphan left behind by a crash is removed at the next open of the filesystem.
 */

/**
 * POSIX filesystem semantics over a repository's catalog and chunk store, with no FUSE types: the FUSE adapter
 * maps each operation here and each {@link FsException} to {@code -errno}. Every operation addresses inodes by
 * number; names are raw bytes. Other {@link IOException}s are store failures (a full disk is a
 * {@code NoSpaceException}).
 *
 * <p>Thread-safe: namespace changes are serialised on one lock, file content per inode.
 */
public final class PactFs implements Closeable {

    private static final Logger log = LoggerFactory.getLogger(PactFs.class);

    /** Longest name of one directory entry, in bytes (as ext4). */
    public static final int NAME_MAX = 255;
    /** Longest symlink target, in bytes (the catalog column's size). */
    public static final int SYMLINK_MAX = 4095;
    /** Longest xattr value (bytes) and name (bytes), as the catalog columns and Linux allow. */
    public static final int XATTR_VALUE_MAX = 65536;
    public static final int XATTR_NAME_MAX = 255;
    /** setxattr flags. */
    public static final int XATTR_CREATE = 1;
    public static final int XATTR_REPLACE = 2;
    /** utimens special values: leave this time alone / set it to now. */
    public static final long TIME_OMIT = Long.MIN_VALUE;
    public static final long TIME_NOW = Long.MIN_VALUE + 1;
    /** open(2) flags used here. */
    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    /** Inode number of the root directory. */
    public static final long ROOT = Namespace.ROOT_INO;
    public static final int O_TRUNC = 01000;
    public static final int O_APPEND = 02000;
    /** Largest file size accepted (bytes), as ext4 with 4 KiB blocks. */
    public static final long MAX_FILE_SIZE = 16L << 40;

    private final Catalog catalog;
    private final ChunkStore store;
    private final Path repoDir;
    private final Content content;
    private final OpenFiles openFiles = new OpenFiles();
    private final Map<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicLong nextIno;
    private final ReentrantLock nsLock = new ReentrantLock();
    private volatile boolean closed;

    private record Handle(OpenFile file, int flags) {
    }

    private PactFs(Catalog catalog, ChunkStore store, Path repoDir, Supplier<Chunker> chunkers, long maxIno) {
        this.catalog = catalog;
        this.store = store;
        this.repoDir = repoDir;
        this.content = new Content(catalog, store, chunkers, new ContentReader(store), repoDir.resolve("tmp"));
        this.nextIno = new AtomicLong(maxIno + 1);
    }

    /**
     * Opens the filesystem of the repo in {@code repoDir}: creates the root directory on first use, removes
     * orphans a crash left behind, clears the temp directory. Closing it does not close the store or catalog.
     */
    public static PactFs open(Catalog catalog, ChunkStore store, Path repoDir, Supplier<Chunker> chunkers)
            throws IOException {
        Path tmp = repoDir.resolve("tmp");
        dev.pactfs.files.PrivateFiles.createDirectories(tmp); // overlays hold plaintext until committed
        try (var s = Files.list(tmp)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
        }
        boolean[] capabilities = new boolean[1];
        long maxIno = catalog.transaction(tx -> {
            capabilities[0] = Xattrs.anyNamed(tx, SECURITY_CAPABILITY);
            if (Namespace.get(tx, Namespace.ROOT_INO) == null) {
                long now = nowNs();
                Namespace.insert(tx, new InodeRecord(Namespace.ROOT_INO, Kind.DIR, 0755, 0, 0, 0, 2, 0, now, now, now,
                        now, null));
            }
            List<Long> orphans = Namespace.orphans(tx);
            for (long ino : orphans) {
                deleteInode(tx, ino);
            }
            if (!orphans.isEmpty()) {
                log.info("removed {} orphan inode(s) left by an earlier crash", orphans.size());
            }
            return Namespace.maxIno(tx);
        });
        PactFs fs = new PactFs(catalog, store, repoDir, chunkers, maxIno);
        fs.capabilitiesPresent = capabilities[0];
        return fs;
    }

    /**
     * The attribute the kernel asks for before every write to a file (to drop file capabilities when a file is
     * written): 16 000 lookups per 2 GB written through FUSE, each a path resolution and an xattr query.
     */
    static final byte[] SECURITY_CAPABILITY = "security.capability".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** False until some live inode may carry security.capability (at open: any row; then any setxattr of it). */
    private volatile boolean capabilitiesPresent;

    /**
     * Whether an inode of the live tree may have attribute {@code name}; false lets the caller answer ENODATA
     * without resolving the path or reading the catalog. Only security.capability is tracked (see above).
     */
    public boolean mayHaveXattr(byte[] name) {
        return capabilitiesPresent || !Arrays.equals(name, SECURITY_CAPABILITY);
    }

    static long nowNs() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    // ================================================================ lookups and attributes

    /** The inode named {@code name} in directory {@code parent}. */
    public long lookup(long parent, byte[] name) throws IOException {
        checkName(name);
        return catalog.transaction(tx -> {
            InodeRecord dir = Namespace.get(tx, parent);
            if (dir == null) {
                throw new FsException(Errno.ENOENT, "no inode " + parent);
            }
            if (!dir.isDir()) {
                throw new FsException(Errno.ENOTDIR, "inode " + parent + " is not a directory");
            }
            return lookupIn(tx, parent, name);
        });
    }

    /** Walks {@code names} from the root in one transaction; an empty list is the root. */
    public long resolve(List<byte[]> names) throws IOException {
        if (names.isEmpty()) {
            return Namespace.ROOT_INO;
        }
        for (byte[] n : names) {
            checkName(n);
        }
        return catalog.transaction(tx -> resolveIn(tx, names));
    }

    private static long resolveIn(Tx tx, List<byte[]> names) throws IOException {
        long ino = Namespace.ROOT_INO;
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                InodeRecord r = Namespace.get(tx, ino);
                if (r == null || !r.isDir()) {
                    throw new FsException(Errno.ENOTDIR, "not a directory");
                }
            }
            ino = lookupIn(tx, ino, names.get(i));
        }
        return ino;
    }

    /**
     * The attributes of the inode {@code names} leads to from the root: {@link #resolve} and {@link #getattr} in one
     * transaction instead of two (getattr is the commonest FUSE operation: with zero entry timeouts the kernel asks
     * for every component of every path a tool touches; issue 15).
     */
    public Attr getattr(List<byte[]> names) throws IOException {
        for (byte[] n : names) {
            checkName(n);
        }
        InodeRecord r = catalog.transaction(tx -> Namespace.get(tx, resolveIn(tx, names)));
        if (r == null) {
            throw new FsException(Errno.ENOENT, "no inode");
        }
        return attr(r);
    }

    private static long lookupIn(Tx tx, long parent, byte[] name) throws IOException {
        if (Arrays.equals(name, DOT)) {
            return parent;
        }
        if (Arrays.equals(name, DOTDOT)) {
            Long p = Namespace.parentOf(tx, parent);
            return p == null ? Namespace.ROOT_INO : p;
        }
        Long ino = Namespace.lookup(tx, parent, name);
        if (ino == null) {
            throw new FsException(Errno.ENOENT, "no such entry");
        }
        return ino;
    }

    private static final byte[] DOT = {'.'};
    private static final byte[] DOTDOT = {'.', '.'};

    public Attr getattr(long ino) throws IOException {
        InodeRecord r = catalog.transaction(tx -> Namespace.get(tx, ino));
        if (r == null) {
            throw new FsException(Errno.ENOENT, "no inode " + ino);
        }
        return attr(r);
    }

    private Attr attr(InodeRecord r) {
        long size = r.size();
        long mtime = r.mtimeNs();
        long ctime = r.ctimeNs();
        if (r.isFile()) {
            OpenFile of = openFiles.peek(r.ino());
            if (of != null) {
                of.lock.lock();
                try {
                    size = of.size();
                    Long pm = of.pendingMtime();
                    if (pm != null) {
                        mtime = pm;
                        ctime = Math.max(ctime, pm);
                    }
                } finally {
                    of.lock.unlock();
                }
            }
        }
        long blocks;
        if (r.isDir()) {
            size = 4096;
            blocks = 8;
        } else if (r.isFile()) {
            blocks = (size + 511) / 512;
        } else {
            blocks = 0;
        }
        return new Attr(r.ino(), Modes.typeBits(r.kind()) | r.mode(), r.nlink(), r.uid(), r.gid(), r.rdev(), size,
                blocks, r.atimeNs(), mtime, ctime, r.btimeNs());
    }

    /** The entries of directory {@code ino}, "." and ".." first, then by name bytes. */
    public List<DirEntry> readdir(long ino) throws IOException {
        return catalog.transaction(tx -> {
            InodeRecord dir = Namespace.get(tx, ino);
            if (dir == null) {
                throw new FsException(Errno.ENOENT, "no inode " + ino);
            }
            if (!dir.isDir()) {
                throw new FsException(Errno.ENOTDIR, "inode " + ino + " is not a directory");
            }
            Long parent = Namespace.parentOf(tx, ino);
            List<DirEntry> out = new ArrayList<>();
            out.add(new DirEntry(DOT, ino, Modes.S_IFDIR));
            out.add(new DirEntry(DOTDOT, parent == null ? ino : parent, Modes.S_IFDIR));
            for (Namespace.Dentry d : Namespace.list(tx, ino)) {
                out.add(new DirEntry(d.name(), d.ino(), Modes.typeBits(d.kind())));
            }
            return out;
        });
    }

    /**
     * The entries of directory {@code ino} from position {@code offset} on (0 is the start); each entry's
     * position plus one is the offset to continue after it.
     */
    public List<DirEntry> readdir(long ino, long offset) throws IOException {
        List<DirEntry> all = readdir(ino);
        return offset >= all.size() ? List.of() : all.subList((int) offset, all.size());
    }

    public byte[] readlink(long ino) throws IOException {
        InodeRecord r = catalog.transaction(tx -> Namespace.get(tx, ino));
        if (r == null) {
            throw new FsException(Errno.ENOENT, "no inode " + ino);
        }
        if (r.kind() != Kind.SYMLINK) {
            throw new FsException(Errno.EINVAL, "inode " + ino + " is not a symlink");
        }
        return r.symlink();
    }

    /** Existence check; permissions are the kernel's job (mounted with default_permissions). */
    public void access(long ino, int mask) throws IOException {
        getattr(ino);
    }

    public StatFs statfs() throws IOException {
        FileStore fsStore = Files.getFileStore(repoDir);
        long bsize = 4096;
        long inodes = catalog.transaction(Namespace::count);
        long files = Math.max(inodes * 2, 1L << 32);
        return new StatFs(bsize, fsStore.getTotalSpace() / bsize, fsStore.getUnallocatedSpace() / bsize,
                fsStore.getUsableSpace() / bsize, files, files - inodes, NAME_MAX);
    }

    // ================================================================ namespace changes

    private interface NsWork<T> {
        T run(Tx tx, long now) throws IOException;
    }

    private <T> T ns(NsWork<T> work) throws IOException {
        checkOpen();
        nsLock.lock();
        try {
            long now = nowNs();
            return catalog.transaction(tx -> work.run(tx, now));
        } finally {
            nsLock.unlock();
        }
    }

    private static InodeRecord dirOf(Tx tx, long parent) throws IOException {
        InodeRecord dir = Namespace.get(tx, parent);
        if (dir == null) {
            throw new FsException(Errno.ENOENT, "no inode " + parent);
        }
        if (!dir.isDir()) {
            throw new FsException(Errno.ENOTDIR, "inode " + parent + " is not a directory");
        }
        return dir;
    }

    private static void checkName(byte[] name) throws FsException {
        if (name.length == 0) {
            throw new FsException(Errno.ENOENT, "empty name");
        }
        if (name.length > NAME_MAX) {
            throw new FsException(Errno.ENAMETOOLONG, "name longer than " + NAME_MAX + " bytes");
        }
        for (byte b : name) {
            if (b == '/' || b == 0) {
                throw new FsException(Errno.EINVAL, "name contains '/' or NUL");
            }
        }
    }

    private static void checkNewName(Tx tx, long parent, byte[] name) throws IOException {
        checkName(name);
        if (Arrays.equals(name, DOT) || Arrays.equals(name, DOTDOT) || Namespace.lookup(tx, parent, name) != null) {
            throw new FsException(Errno.EEXIST, "entry exists");
        }
    }

    /** Creates an inode of {@code kind} named {@code name} in {@code parent}; returns its attributes. */
    private InodeRecord createInode(Tx tx, long now, long parent, byte[] name, int kind, int mode, long rdev,
                                    byte[] symlink, Caller caller) throws IOException {
        InodeRecord dir = dirOf(tx, parent);
        checkNewName(tx, parent, name);
        int perms = mode & Modes.PERMS;
        int gid = caller.gid();
        if ((dir.mode() & Modes.S_ISGID) != 0) {
            gid = dir.gid();
            if (kind == Kind.DIR) {
                perms |= Modes.S_ISGID;
            }
        }
        PosixAcl.Created inherited = null;
        PosixAcl dflt = null;
        if (kind != Kind.SYMLINK) {
            byte[] d = Xattrs.get(tx, parent, PosixAcl.DEFAULT);
            if (d != null) {
                dflt = PosixAcl.parse(d);
                if (dflt != null) {
                    inherited = dflt.createMasq(perms);
                    perms = inherited.mode();
                }
            }
        }
        long ino = nextIno.getAndIncrement();
        InodeRecord r = new InodeRecord(ino, kind, perms, caller.uid(), gid,
                symlink == null ? 0 : symlink.length, kind == Kind.DIR ? 2 : 1, rdev, now, now, now, now, symlink);
        Namespace.insert(tx, r);
        if (inherited != null) {
            if (!inherited.access().equivalentToMode()) {
                Xattrs.put(tx, ino, PosixAcl.ACCESS, inherited.access().encode());
            }
            if (kind == Kind.DIR) {
                Xattrs.put(tx, ino, PosixAcl.DEFAULT, dflt.encode());
            }
        }
        Namespace.link(tx, parent, name, ino);
        Namespace.addDirNlink(tx, parent, kind == Kind.DIR ? 1 : 0, now);
        return r;
    }

    public Attr mkdir(long parent, byte[] name, int mode, Caller caller) throws IOException {
        return attr(ns((tx, now) -> createInode(tx, now, parent, name, Kind.DIR, mode, 0, null, caller)));
    }

    /** Creates a non-directory, non-symlink inode; {@code mode} is the full st_mode (a regular file when 0 type). */
    public Attr mknod(long parent, byte[] name, int mode, long rdev, Caller caller) throws IOException {
        int kind = Modes.kindOf(mode);
        if (kind < 0 || kind == Kind.DIR || kind == Kind.SYMLINK) {
            throw new FsException(Errno.EINVAL, "mknod of type " + Integer.toOctalString(mode & Modes.S_IFMT));
        }
        long dev = (kind == Kind.CHAR_DEV || kind == Kind.BLOCK_DEV) ? rdev : 0;
        return attr(ns((tx, now) -> createInode(tx, now, parent, name, kind, mode, dev, null, caller)));
    }

    public Attr symlink(long parent, byte[] name, byte[] target, Caller caller) throws IOException {
        if (target.length == 0) {
            throw new FsException(Errno.ENOENT, "empty symlink target");
        }
        if (target.length > SYMLINK_MAX) {
            throw new FsException(Errno.ENAMETOOLONG, "symlink target longer than " + SYMLINK_MAX + " bytes");
        }
        return attr(ns((tx, now) -> createInode(tx, now, parent, name, Kind.SYMLINK, 0777, 0, target, caller)));
    }

    /** Creates and opens a regular file: the handle and the new file's attributes. */
    public Created create(long parent, byte[] name, int mode, int flags, Caller caller) throws IOException {
        InodeRecord r = ns((tx, now) -> createInode(tx, now, parent, name, Kind.FILE, mode, 0, null, caller));
        long fh = open(r.ino(), flags & ~O_TRUNC);
        return new Created(fh, attr(r));
    }

    /** What {@link #create} returns. */
    public record Created(long handle, Attr attr) {
    }

    public Attr link(long ino, long newParent, byte[] newName) throws IOException {
        return attr(ns((tx, now) -> {
            InodeRecord r = Namespace.get(tx, ino);
            if (r == null || r.nlink() <= 0) {
                throw new FsException(Errno.ENOENT, "no inode " + ino);
            }
            if (r.isDir()) {
                throw new FsException(Errno.EPERM, "hard link to a directory");
            }
            dirOf(tx, newParent);
            checkNewName(tx, newParent, newName);
            Namespace.link(tx, newParent, newName, ino);
            Namespace.addNlink(tx, ino, 1, now);
            Namespace.touchDir(tx, newParent, now);
            return Namespace.get(tx, ino);
        }));
    }

    public void unlink(long parent, byte[] name) throws IOException {
        checkName(name);
        long gone = ns((tx, now) -> {
            dirOf(tx, parent);
            Long ino = Namespace.lookup(tx, parent, name);
            if (ino == null) {
                throw new FsException(Errno.ENOENT, "no such entry");
            }
            InodeRecord r = Namespace.get(tx, ino);
            if (r.isDir()) {
                throw new FsException(Errno.EISDIR, "unlink of a directory");
            }
            Namespace.unlink(tx, parent, name);
            Namespace.addNlink(tx, ino, -1, now);
            Namespace.touchDir(tx, parent, now);
            return r.nlink() - 1 <= 0 ? ino : -1L;
        });
        if (gone > 0) {
            deleteIfUnused(gone);
        }
    }

    public void rmdir(long parent, byte[] name) throws IOException {
        checkName(name);
        if (Arrays.equals(name, DOT)) {
            throw new FsException(Errno.EINVAL, "rmdir of .");
        }
        if (Arrays.equals(name, DOTDOT)) {
            throw new FsException(Errno.ENOTEMPTY, "rmdir of ..");
        }
        ns((tx, now) -> {
            dirOf(tx, parent);
            Long ino = Namespace.lookup(tx, parent, name);
            if (ino == null) {
                throw new FsException(Errno.ENOENT, "no such entry");
            }
            InodeRecord r = Namespace.get(tx, ino);
            if (!r.isDir()) {
                throw new FsException(Errno.ENOTDIR, "rmdir of a non-directory");
            }
            if (Namespace.hasEntries(tx, ino)) {
                throw new FsException(Errno.ENOTEMPTY, "directory not empty");
            }
            Namespace.unlink(tx, parent, name);
            Namespace.addDirNlink(tx, parent, -1, now);
            deleteInode(tx, ino);
            return null;
        });
    }

    /** rename(2): replaces an existing target atomically, moves directories across parents. */
    public void rename(long parent, byte[] name, long newParent, byte[] newName) throws IOException {
        checkName(name);
        checkName(newName);
        if (Arrays.equals(name, DOT) || Arrays.equals(name, DOTDOT)
                || Arrays.equals(newName, DOT) || Arrays.equals(newName, DOTDOT)) {
            throw new FsException(Errno.EINVAL, "rename of . or ..");
        }
        long gone = ns((tx, now) -> {
            dirOf(tx, parent);
            dirOf(tx, newParent);
            Long ino = Namespace.lookup(tx, parent, name);
            if (ino == null) {
                throw new FsException(Errno.ENOENT, "no such entry");
            }
            InodeRecord src = Namespace.get(tx, ino);
            Long target = Namespace.lookup(tx, newParent, newName);
            if (target != null && target.longValue() == ino.longValue()) {
                return -1L; // both names are links to one inode: nothing to do
            }
            if (src.isDir() && newParent != parent) {
                // refuse to move a directory into itself or below it
                for (Long p = newParent; p != null; p = Namespace.parentOf(tx, p)) {
                    if (p.longValue() == ino.longValue()) {
                        throw new FsException(Errno.EINVAL, "directory moved into itself");
                    }
                    if (p == Namespace.ROOT_INO) {
                        break;
                    }
                }
            }
            long removed = -1;
            if (target != null) {
                InodeRecord t = Namespace.get(tx, target);
                if (src.isDir() && !t.isDir()) {
                    throw new FsException(Errno.ENOTDIR, "rename of a directory over a non-directory");
                }
                if (!src.isDir() && t.isDir()) {
                    throw new FsException(Errno.EISDIR, "rename of a non-directory over a directory");
                }
                if (t.isDir()) {
                    if (Namespace.hasEntries(tx, target)) {
                        throw new FsException(Errno.ENOTEMPTY, "target directory not empty");
                    }
                    Namespace.addDirNlink(tx, newParent, -1, now);
                    Namespace.relink(tx, newParent, newName, ino);
                    deleteInode(tx, target);
                } else {
                    Namespace.relink(tx, newParent, newName, ino);
                    Namespace.addNlink(tx, target, -1, now);
                    if (t.nlink() - 1 <= 0) {
                        removed = target;
                    }
                }
            } else {
                Namespace.link(tx, newParent, newName, ino);
            }
            Namespace.unlink(tx, parent, name);
            if (src.isDir() && parent != newParent) {
                Namespace.addDirNlink(tx, parent, -1, now);
                Namespace.addDirNlink(tx, newParent, 1, now);
            } else {
                Namespace.touchDir(tx, parent, now);
                Namespace.touchDir(tx, newParent, now);
            }
            Namespace.setCtime(tx, ino, now);
            return removed;
        });
        if (gone > 0) {
            deleteIfUnused(gone);
        }
    }

    // ================================================================ attribute changes

    public Attr chmod(long ino, int mode) throws IOException {
        return attr(ns((tx, now) -> {
            require(tx, ino);
            Namespace.setMode(tx, ino, mode & Modes.PERMS, now);
            byte[] stored = Xattrs.get(tx, ino, PosixAcl.ACCESS);
            PosixAcl acl = stored == null ? null : PosixAcl.parse(stored);
            if (acl != null) {
                Xattrs.put(tx, ino, PosixAcl.ACCESS, acl.chmod(mode).encode());
            }
            return Namespace.get(tx, ino);
        }));
    }

    /** Changes owner and/or group; -1 leaves one alone. */
    public Attr chown(long ino, int uid, int gid) throws IOException {
        return attr(ns((tx, now) -> {
            InodeRecord r = require(tx, ino);
            Namespace.setOwner(tx, ino, uid == -1 ? r.uid() : uid, gid == -1 ? r.gid() : gid, now);
            return Namespace.get(tx, ino);
        }));
    }

    /** Sets access and modification times (ns); {@link #TIME_OMIT} and {@link #TIME_NOW} as utimensat(2). */
    public Attr utimens(long ino, long atimeNs, long mtimeNs) throws IOException {
        OpenFile of = openFiles.peek(ino);
        if (of != null) {
            of.lock.lock();
        }
        try {
            InodeRecord r = ns((tx, now) -> {
                InodeRecord cur = require(tx, ino);
                long a = atimeNs == TIME_OMIT ? cur.atimeNs() : atimeNs == TIME_NOW ? now : atimeNs;
                long m = mtimeNs == TIME_OMIT ? (of != null && of.pendingMtime() != null ? of.pendingMtime()
                        : cur.mtimeNs()) : mtimeNs == TIME_NOW ? now : mtimeNs;
                Namespace.setTimes(tx, ino, a, m, now);
                return Namespace.get(tx, ino);
            });
            if (of != null) {
                of.clearPendingMtime();
            }
            return attr(r);
        } finally {
            if (of != null) {
                of.lock.unlock();
            }
        }
    }

    /** truncate(2) by inode. */
    public Attr truncate(long ino, long size) throws IOException {
        checkOpen();
        if (size > MAX_FILE_SIZE) {
            throw new FsException(Errno.EFBIG, "size beyond the largest file");
        }
        InodeRecord r = catalog.transaction(tx -> Namespace.get(tx, ino));
        if (r == null) {
            throw new FsException(Errno.ENOENT, "no inode " + ino);
        }
        if (r.isDir()) {
            throw new FsException(Errno.EISDIR, "truncate of a directory");
        }
        if (!r.isFile()) {
            throw new FsException(Errno.EINVAL, "truncate of a special file");
        }
        long fh = open(ino, 2);
        try {
            ftruncate(fh, size);
            flush(fh);
        } finally {
            release(fh);
        }
        return getattr(ino);
    }

    private static InodeRecord require(Tx tx, long ino) throws IOException {
        InodeRecord r = Namespace.get(tx, ino);
        if (r == null) {
            throw new FsException(Errno.ENOENT, "no inode " + ino);
        }
        return r;
    }

    // ================================================================ xattrs

    public byte[] getxattr(long ino, byte[] name) throws IOException {
        checkXattrName(name);
        byte[] v = catalog.transaction(tx -> {
            require(tx, ino);
            return Xattrs.get(tx, ino, name);
        });
        if (v == null) {
            throw new FsException(Errno.ENODATA, "no such attribute");
        }
        return v;
    }

    public void setxattr(long ino, byte[] name, byte[] value, int flags) throws IOException {
        checkXattrName(name);
        if (value.length > XATTR_VALUE_MAX) {
            throw new FsException(Errno.E2BIG, "attribute value longer than " + XATTR_VALUE_MAX);
        }
        if (PosixAcl.isAcl(name)) {
            setAcl(ino, name, value);
            return;
        }
        if (Arrays.equals(name, SECURITY_CAPABILITY)) {
            capabilitiesPresent = true; // before the row exists: a getxattr racing with this one must look it up
        }
        ns((tx, now) -> {
            require(tx, ino);
            boolean exists = Xattrs.get(tx, ino, name) != null;
            if ((flags & XATTR_CREATE) != 0 && exists) {
                throw new FsException(Errno.EEXIST, "attribute exists");
            }
            if ((flags & XATTR_REPLACE) != 0 && !exists) {
                throw new FsException(Errno.ENODATA, "no such attribute");
            }
            Xattrs.put(tx, ino, name, value);
            Namespace.setCtime(tx, ino, now);
            return null;
        });
    }

    /**
     * setxattr of an ACL, as ext4 (see {@link PosixAcl}): an access ACL sets the mode and is kept only when it says
     * more than the mode; a default ACL only on a directory; a value without entries removes the ACL.
     */
    private void setAcl(long ino, byte[] name, byte[] value) throws IOException {
        PosixAcl acl = PosixAcl.parse(value);
        ns((tx, now) -> {
            InodeRecord r = require(tx, ino);
            if (PosixAcl.isDefault(name)) {
                if (!r.isDir()) {
                    if (acl != null) {
                        throw new FsException(Errno.EACCES, "default ACL on a non-directory");
                    }
                    return null;
                }
                if (acl == null) {
                    Xattrs.remove(tx, ino, name);
                } else {
                    Xattrs.put(tx, ino, name, acl.encode());
                }
                Namespace.setCtime(tx, ino, now);
                return null;
            }
            if (acl == null) {
                Xattrs.remove(tx, ino, name);
                Namespace.setCtime(tx, ino, now);
                return null;
            }
            Namespace.setMode(tx, ino, acl.applyToMode(r.mode()) & Modes.PERMS, now);
            if (acl.equivalentToMode()) {
                Xattrs.remove(tx, ino, name);
            } else {
                Xattrs.put(tx, ino, name, acl.encode());
            }
            return null;
        });
    }

    public List<byte[]> listxattr(long ino) throws IOException {
        return catalog.transaction(tx -> {
            require(tx, ino);
            return Xattrs.names(tx, ino);
        });
    }

    public void removexattr(long ino, byte[] name) throws IOException {
        checkXattrName(name);
        ns((tx, now) -> {
            require(tx, ino);
            if (!Xattrs.remove(tx, ino, name) && !PosixAcl.isAcl(name)) {
                throw new FsException(Errno.ENODATA, "no such attribute");
            }
            Namespace.setCtime(tx, ino, now);
            return null;
        });
    }

    private static void checkXattrName(byte[] name) throws FsException {
        if (name.length == 0 || name.length > XATTR_NAME_MAX) {
            throw new FsException(Errno.ERANGE, "attribute name of " + name.length + " bytes");
        }
    }

    // ================================================================ file content

    /** Opens regular file {@code ino}; returns a handle for read/write/flush/fsync/release. */
    public long open(long ino, int flags) throws IOException {
        checkOpen();
        OpenFile of = openFiles.acquire(ino, i -> {
            InodeRecord r = catalog.transaction(tx -> Namespace.get(tx, i));
            if (r == null || (r.nlink() <= 0)) {
                throw new FsException(Errno.ENOENT, "no inode " + i);
            }
            if (r.isDir()) {
                throw new FsException(Errno.EISDIR, "open of a directory for I/O");
            }
            if (!r.isFile()) {
                throw new FsException(Errno.EINVAL, "I/O on a special file");
            }
            return new OpenFile(i, r.size(), content);
        });
        long fh = nextHandle.getAndIncrement();
        handles.put(fh, new Handle(of, flags));
        if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY) {
            try {
                ftruncate(fh, 0);
            } catch (IOException | RuntimeException e) {
                release(fh);
                throw e;
            }
        }
        return fh;
    }

    private Handle handle(long fh) throws FsException {
        Handle h = handles.get(fh);
        if (h == null) {
            throw new FsException(Errno.EBADF, "no open handle " + fh);
        }
        return h;
    }

    /** The inode a handle has open. */
    public long inodeOf(long fh) throws FsException {
        return handle(fh).file().ino;
    }

    public int read(long fh, long offset, byte[] dst, int dstOff, int len) throws IOException {
        OpenFile of = handle(fh).file();
        of.lock.lock();
        try {
            return of.read(offset, dst, dstOff, len);
        } finally {
            of.lock.unlock();
        }
    }

    /**
     * Writes {@code len} bytes at {@code offset} (at the end for an O_APPEND handle); returns {@code len}. Keeps no
     * reference to {@code src} (the chunker and the overlay copy what they keep), so callers may reuse it.
     */
    public int write(long fh, long offset, byte[] src, int srcOff, int len) throws IOException {
        Handle h = handle(fh);
        if ((h.flags() & O_ACCMODE) == O_RDONLY) {
            throw new FsException(Errno.EBADF, "handle not open for writing");
        }
        OpenFile of = h.file();
        of.lock.lock();
        try {
            long at = (h.flags() & O_APPEND) != 0 ? of.size() : offset;
            if (at + len > MAX_FILE_SIZE) {
                throw new FsException(Errno.EFBIG, "write beyond the largest file");
            }
            of.write(at, src, srcOff, len, nowNs());
            return len;
        } finally {
            of.lock.unlock();
        }
    }

    public void ftruncate(long fh, long size) throws IOException {
        if (size > MAX_FILE_SIZE) {
            throw new FsException(Errno.EFBIG, "size beyond the largest file");
        }
        OpenFile of = handle(fh).file();
        of.lock.lock();
        try {
            of.truncate(size, nowNs());
        } finally {
            of.lock.unlock();
        }
    }

    /** close(2) waits for this: every completed write is committed to the catalog when it returns. */
    public void flush(long fh) throws IOException {
        OpenFile of = handle(fh).file();
        of.lock.lock();
        try {
            of.commit();
        } finally {
            of.lock.unlock();
        }
    }

    /** As {@link #flush}, and the content and catalog are forced to the device. */
    public void fsync(long fh) throws IOException {
        flush(fh);
        store.sync();
    }

    /** Forces everything committed to the device (fsync of a directory, sync(2)). */
    public void syncAll() throws IOException {
        store.sync();
    }

    /** Drops a handle; the last one commits what is left and removes an unlinked file's content. */
    public void release(long fh) throws IOException {
        Handle h = handles.remove(fh);
        if (h == null) {
            throw new FsException(Errno.EBADF, "no open handle " + fh);
        }
        finishHandle(h.file());
    }

    private void finishHandle(OpenFile of) throws IOException {
        boolean last;
        IOException failure = null;
        of.lock.lock();
        try {
            if (of.handles == 1) {
                try {
                    of.commit();
                } catch (IOException e) {
                    failure = e;
                    of.discard();
                }
            }
            last = openFiles.release(of);
        } finally {
            of.lock.unlock();
        }
        if (last) {
            deleteIfUnused(of.ino);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Deletes the inode if no entry names it and no handle has it open. */
    private void deleteIfUnused(long ino) throws IOException {
        synchronized (openFiles) {
            if (openFiles.isOpen(ino)) {
                return;
            }
            catalog.transaction(tx -> {
                InodeRecord r = Namespace.get(tx, ino);
                if (r != null && r.nlink() <= 0) {
                    deleteInode(tx, ino);
                }
                return null;
            });
        }
    }

    private static void deleteInode(Tx tx, long ino) throws IOException {
        FileChunkLists.delete(tx, ino);
        Xattrs.deleteAll(tx, ino);
        Namespace.delete(tx, ino);
    }

    private void checkOpen() throws FsException {
        if (closed) {
            throw new FsException(Errno.EIO, "filesystem is shut down");
        }
    }

    /** How many inodes have open handles now (the snapshot layer's idle detection). */
    public int openFileCount() {
        return openFiles.all().size();
    }

    /** Commits every open file and syncs the store (SIGTERM, before unmounting); the filesystem stays usable. */
    public void commitAll() throws IOException {
        IOException failure = commitOpenFiles();
        store.sync();
        if (failure != null) {
            throw failure;
        }
    }

    /** Commits each open file under its lock; returns the first failure after trying them all (each is logged). */
    private IOException commitOpenFiles() {
        IOException failure = null;
        List<Long> failed = new java.util.ArrayList<>();
        for (OpenFile of : openFiles.all()) {
            of.lock.lock();
            try {
                of.commit();
            } catch (IOException e) {
                log.warn("could not commit inode {}: {}", of.ino, e.getMessage());
                failed.add(of.ino);
                if (failure == null) {
                    failure = e;
                }
            } finally {
                of.lock.unlock();
            }
        }
        if (failure == null) {
            return null;
        }
        // Name what was not committed: the caller (umount, snapshot create) reports it in one line.
        String what = "could not commit open file" + (failed.size() == 1 ? "" : "s") + " (inode "
                + failed.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(", ")) + ")";
        return dev.pactfs.store.NoSpaceException.isNoSpace(failure) ? new dev.pactfs.store.NoSpaceException(what, failure)
                : new dev.pactfs.store.StoreException(what + ": " + failure.getMessage(), failure);
    }

    /**
     * Commits every open file, syncs the store and refuses further changes. Handles stay registered (the
     * kernel may still release them); their content is safe.
     */
    @Override
    public void close() throws IOException {
        IOException failure = commitOpenFiles();
        closed = true;
        store.sync();
        if (failure != null) {
            throw failure;
        }
    }
}
