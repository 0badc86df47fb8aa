package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.fs.Attr;
import dev.pactfs.fs.DirEntry;
import dev.pactfs.fs.Errno;
import dev.pactfs.fs.FsException;
import dev.pactfs.fs.Modes;
import dev.pactfs.fs.PactFs;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.SequentialReads;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/*
 * The read-only directory MOUNT/.snapshots: one subdirectory per snapshot, browsable like the live tree. Paths
 * are given relative to .snapshots (an empty list is .snapshots itself). Lookups walk tree blobs through the
 * decoded-tree cache of Trees; file reads go through the store's plaintext chunk cache.
 *
 * Inode numbers: VIEW_BIT | snapshot id << 40 | live inode number at freeze, so hard links inside one snapshot
 * share a number, and no number collides with a live inode (live numbers stay below 2^40) or with another
 * snapshot's. .snapshots itself is VIEW_BIT (snapshot ids start at 1).
 */

/** The {@code .snapshots} directory of a mount, without FUSE types. Thread-safe. */
public final class SnapshotsView {

    /** Name of the virtual directory at the mount's root. */
    public static final byte[] DIR_NAME = {'.', 's', 'n', 'a', 'p', 's', 'h', 'o', 't', 's'};
    /** Set in every inode number this view hands out. */
    public static final long VIEW_BIT = 1L << 62;
    static final int INO_BITS = 40;
    /** File handles of this view have this bit, so the adapter can tell them from live ones. */
    public static final long HANDLE_BIT = 1L << 62;

    private final SnapshotService service;
    private final Trees trees;
    private final ChunkStore store;
    private final PactFs live;
    private final Map<Long, OpenEntry> handles = new ConcurrentHashMap<>();
    private final AtomicLong nextHandle = new AtomicLong(1);

    /** An open snapshot file: its entry, each chunk's start offset, and its read-ahead state (guarded by itself). */
    private record OpenEntry(TreeEntry entry, long[] starts, SequentialReads sequential)
            implements SequentialReads.Chunks {
        @Override
        public int count() {
            return starts.length;
        }

        @Override
        public long start(int i) {
            return starts[i];
        }

        @Override
        public ChunkRef ref(int i) {
            return entry.chunks().get(i);
        }
    }

    public SnapshotsView(SnapshotService service, ChunkStore store, PactFs live) {
        this.service = service;
        this.trees = service.trees();
        this.store = store;
        this.live = live;
    }

    /** A resolved path: the snapshot row (null for .snapshots itself) and the entry (null likewise). */
    private record Node(Snapshots.Row snap, TreeEntry entry) {
    }

    private Node resolve(List<byte[]> rel) throws IOException {
        if (rel.isEmpty()) {
            return new Node(null, null);
        }
        String name = new String(rel.get(0), java.nio.charset.StandardCharsets.UTF_8);
        Snapshots.Row row = service.row(name);
        if (row == null) {
            throw new FsException(Errno.ENOENT, "no snapshot " + name);
        }
        TreeEntry e = trees.rootOf(row.root());
        for (int i = 1; i < rel.size(); i++) {
            if (!e.isDir()) {
                throw new FsException(Errno.ENOTDIR, "not a directory");
            }
            e = trees.lookup(e, rel.get(i));
            if (e == null) {
                throw new FsException(Errno.ENOENT, "no such entry");
            }
        }
        return new Node(row, e);
    }

    static long ino(long snapId, long liveIno) {
        return VIEW_BIT | (snapId << INO_BITS) | (liveIno & ((1L << INO_BITS) - 1));
    }

    private Attr attr(Node n) throws IOException {
        if (n.snap() == null) {
            Attr root = live != null ? live.getattr(PactFs.ROOT) : null;
            long t = root == null ? System.currentTimeMillis() * 1_000_000L : root.mtimeNs();
            int count = service.rows().size();
            return new Attr(VIEW_BIT, Modes.S_IFDIR | 0555, 2 + count, 0, 0, 0, 4096, 8, t, t, t, t);
        }
        return attr(n.snap().id(), n.entry());
    }

    /** The same stat fields PactFs shows for a live inode of these attributes. */
    static Attr attr(long snapId, TreeEntry e) {
        long size;
        long blocks;
        if (e.isDir()) {
            size = 4096;
            blocks = 8;
        } else if (e.isFile()) {
            size = e.size();
            blocks = (size + 511) / 512;
        } else {
            size = e.size();
            blocks = 0;
        }
        return new Attr(ino(snapId, e.ino()), Modes.typeBits(e.kind()) | e.mode(), e.nlink(), e.uid(), e.gid(), e.rdev(),
                size, blocks, e.atimeNs(), e.mtimeNs(), e.ctimeNs(), e.btimeNs());
    }

    public Attr getattr(List<byte[]> rel) throws IOException {
        return attr(resolve(rel));
    }

    /** The entries of a directory, "." and ".." first. */
    public List<DirEntry> readdir(List<byte[]> rel) throws IOException {
        Node n = resolve(rel);
        List<DirEntry> out = new ArrayList<>();
        if (n.snap() == null) {
            out.add(new DirEntry(new byte[] {'.'}, VIEW_BIT, Modes.S_IFDIR));
            out.add(new DirEntry(new byte[] {'.', '.'}, PactFs.ROOT, Modes.S_IFDIR));
            for (Snapshots.Row r : service.rows()) {
                out.add(new DirEntry(r.name().getBytes(java.nio.charset.StandardCharsets.UTF_8), ino(r.id(), PactFs.ROOT),
                        Modes.S_IFDIR));
            }
            return out;
        }
        if (!n.entry().isDir()) {
            throw new FsException(Errno.ENOTDIR, "not a directory");
        }
        out.add(new DirEntry(new byte[] {'.'}, ino(n.snap().id(), n.entry().ino()), Modes.S_IFDIR));
        out.add(new DirEntry(new byte[] {'.', '.'}, VIEW_BIT, Modes.S_IFDIR));
        for (TreeEntry c : trees.get(n.entry().subtree())) {
            out.add(new DirEntry(c.name(), ino(n.snap().id(), c.ino()), Modes.typeBits(c.kind())));
        }
        return out;
    }

    public byte[] readlink(List<byte[]> rel) throws IOException {
        Node n = resolve(rel);
        if (n.entry() == null || !n.entry().isSymlink()) {
            throw new FsException(Errno.EINVAL, "not a symlink");
        }
        return n.entry().symlink();
    }

    public byte[] getxattr(List<byte[]> rel, byte[] name) throws IOException {
        Node n = resolve(rel);
        if (n.entry() != null) {
            for (TreeEntry.Xattr x : n.entry().xattrs()) {
                if (Arrays.equals(x.name(), name)) {
                    return x.value();
                }
            }
        }
        throw new FsException(Errno.ENODATA, "no such attribute");
    }

    public List<byte[]> listxattr(List<byte[]> rel) throws IOException {
        Node n = resolve(rel);
        return n.entry() == null ? List.of() : n.entry().xattrs().stream().map(TreeEntry.Xattr::name).toList();
    }

    /** Opens a snapshot file for reading; any write access is EROFS. Returns a handle with {@link #HANDLE_BIT}. */
    public long open(List<byte[]> rel, int flags) throws IOException {
        if ((flags & PactFs.O_ACCMODE) != PactFs.O_RDONLY || (flags & PactFs.O_TRUNC) != 0) {
            throw readOnly();
        }
        Node n = resolve(rel);
        if (n.entry() == null || n.entry().isDir()) {
            throw new FsException(Errno.EISDIR, "open of a directory for I/O");
        }
        if (!n.entry().isFile()) {
            throw new FsException(Errno.EINVAL, "I/O on a special file");
        }
        List<ChunkRef> refs = n.entry().chunks();
        long[] starts = new long[refs.size()];
        long at = 0;
        for (int i = 0; i < refs.size(); i++) {
            starts[i] = at;
            at += refs.get(i).length();
        }
        long fh = HANDLE_BIT | nextHandle.getAndIncrement();
        handles.put(fh, new OpenEntry(n.entry(), starts, new SequentialReads(store)));
        return fh;
    }

    public static boolean isViewHandle(long fh) {
        return (fh & HANDLE_BIT) != 0;
    }

    public Attr fgetattr(long fh) throws IOException {
        OpenEntry o = handle(fh);
        return attr(0, o.entry()); // snapshot id unknown here: the kernel keeps the inode number from lookup
    }

    private OpenEntry handle(long fh) throws FsException {
        OpenEntry o = handles.get(fh);
        if (o == null) {
            throw new FsException(Errno.EBADF, "no open snapshot handle " + fh);
        }
        return o;
    }

    public int read(long fh, long offset, byte[] dst, int dstOff, int len) throws IOException {
        OpenEntry o = handle(fh);
        TreeEntry e = o.entry();
        if (offset >= e.size() || len <= 0) {
            return 0;
        }
        len = (int) Math.min(len, e.size() - offset);
        int i = Arrays.binarySearch(o.starts(), offset);
        if (i < 0) {
            i = -i - 2;
        }
        int done = 0;
        List<ChunkRef> refs = e.chunks();
        int next = i;
        while (next < refs.size() && o.starts()[next] < offset + len) {
            next++;
        }
        synchronized (o.sequential()) {
            o.sequential().onRead(o, o, offset, offset + len, next);
        }
        while (done < len && i < refs.size()) {
            ChunkRef r = refs.get(i);
            long pos = offset + done;
            int in = (int) (pos - o.starts()[i]);
            int n = Math.min(r.length() - in, len - done);
            if (r.isHole()) {
                Arrays.fill(dst, dstOff + done, dstOff + done + n, (byte) 0);
            } else {
                byte[] data = store.get(r.id());
                System.arraycopy(data, in, dst, dstOff + done, n);
            }
            done += n;
            i++;
        }
        return done;
    }

    public void release(long fh) {
        handles.remove(fh);
    }

    /** mkdir of {@code .snapshots/NAME} creates a snapshot of the live tree; anything else is EROFS. */
    public void mkdir(List<byte[]> rel) throws IOException {
        if (rel.size() != 1) {
            throw rel.isEmpty() ? new FsException(Errno.EEXIST, ".snapshots exists") : readOnly();
        }
        String name = new String(rel.get(0), java.nio.charset.StandardCharsets.UTF_8);
        if (service.row(name) != null) {
            throw new FsException(Errno.EEXIST, "snapshot exists");
        }
        try {
            SnapshotService.checkName(name);
        } catch (SnapshotException e) {
            throw new FsException(Errno.EINVAL, e.getMessage());
        }
        service.create(name, null, live);
    }

    /**
     * rmdir of {@code .snapshots/NAME} removes that snapshot, as ZFS's {@code .zfs/snapshot} does (its data is freed
     * by the next prune; the next pass's manifest no longer names its partner record, which partner prune deletes); anything deeper is EROFS.
     */
    public void rmdir(List<byte[]> rel) throws IOException {
        if (rel.size() != 1) {
            throw readOnly();
        }
        String name = new String(rel.get(0), java.nio.charset.StandardCharsets.UTF_8);
        if (service.row(name) == null) {
            throw new FsException(Errno.ENOENT, "no snapshot " + name);
        }
        service.forget(List.of(name));
    }

    /** The error of every write under .snapshots. */
    public static FsException readOnly() {
        return new FsException(Errno.EROFS, "snapshots are read-only");
    }

    /** The tree id of a snapshot's root listing (for tests). */
    ChunkId rootListing(String name) throws IOException {
        return trees.rootOf(service.row(name).root()).subtree();
    }
}
