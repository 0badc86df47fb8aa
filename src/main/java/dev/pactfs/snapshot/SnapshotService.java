package dev.pactfs.snapshot;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.fs.PactFs;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.ByteProgress;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.InodeRecord;
import dev.pactfs.store.Namespace;
import dev.pactfs.store.NamespaceScan;
import dev.pactfs.store.SnapshotId;
import dev.pactfs.store.SnapshotStats;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design.
 *
 * Freeze: ask the live filesystem (when mounted) to commit every completed write of open files, then read the
 * whole namespace and every chunk list with one consistent catalog read (SNAPSHOT isolation): the snapshot is
 * the tree as of that read, whatever writers do meanwhile. Build tree blobs bottom-up from that in-memory
 * picture; each put pins its blob. Then one transaction records every new tree blob's references
 * (BlobGraph.addChildren, skipped for a blob already recorded: an unchanged directory costs one hash and one
 * index lookup, no bytes) and the snapshot row with its +1 on the top tree. Pins are released after that commit.
 *
 * Races with garbage collection: a chunk listed in the consistent read may lose its last live reference before
 * our commit. create and prune serialise on one lock per catalog, so prune's collection cannot free it
 * meanwhile; the store's own emergency collection (a put hitting the disk reserve) could, and then our commit
 * fails on the missing row and rolls back as a whole (the user retries), never recording a dangling reference.
 *
 * The snapshot record's root id names a top tree: one entry named "/" (never a valid name), kind dir, carrying
 * the root directory's own metadata; its subtree is the root's listing.
 */

/** Creates, lists, forgets and prunes snapshots of one repository. Thread-safe. */
public final class SnapshotService {

    private static final Logger log = LoggerFactory.getLogger(SnapshotService.class);

    /** Name of the single entry of a top tree. */
    static final byte[] TOP_NAME = TreeCodec.TOP_NAME;

    private static final Map<Catalog, ReentrantLock> LOCKS = new WeakHashMap<>();

    private final Catalog catalog;
    private final ChunkStore store;
    private final Trees trees;
    private final ReentrantLock lock;

    public SnapshotService(ChunkStore store) {
        this(store, new Trees(store));
    }

    public SnapshotService(ChunkStore store, Trees trees) {
        this.catalog = store.catalog();
        this.store = store;
        this.trees = trees;
        synchronized (LOCKS) {
            this.lock = LOCKS.computeIfAbsent(catalog, c -> new ReentrantLock());
        }
    }

    public Trees trees() {
        return trees;
    }

    /** What {@link #create} made, with how many tree blobs were new to the store. */
    public record Created(SnapshotRecord record, int trees, int newTrees, long files, SnapshotStats.Stats stored) {
    }

    /** The default name of a snapshot taken at {@code timeMs}: its UTC time to the second. */
    public static String defaultName(long timeMs) {
        return DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .format(java.time.Instant.ofEpochMilli(timeMs));
    }

    /**
     * Throws when {@code name} cannot name a snapshot: a directory name under .snapshots, with no ':' (it separates
     * SNAPSHOT:PATH), no control character (a newline would break `snapshot list` and every line-based script), and
     * no leading '-' or space (it would read as an option, or vanish in a shell).
     */
    public static void checkName(String name) throws SnapshotException {
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..")
                || name.getBytes(StandardCharsets.UTF_8).length > SnapshotRecord.TEXT_MAX_BYTES
                || name.indexOf('/') >= 0 || name.indexOf(':') >= 0 || name.startsWith("-") || name.startsWith(" ")
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new SnapshotException("invalid snapshot name '" + visible(name) + "': 1 to 255 bytes, no '/', ':'"
                    + " or control characters, not starting with '-' or a space, not '.' or '..'");
        }
    }

    /** {@code name} with its control characters as \xNN, so that the one-line error stays one line. */
    private static String visible(String name) {
        if (name == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        name.chars().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c)
                : String.valueOf((char) c)));
        return b.toString();
    }

    /**
     * Freezes the live tree as a snapshot. {@code live} is the mounted filesystem, whose open files' completed
     * writes are committed first; null when the repo is not mounted. {@code name} null picks the time.
     */
    public Created create(String name, String tag, PactFs live) throws IOException {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            if (name == null) {
                name = defaultName(now);
                String base = name;
                String candidate = base;
                for (int i = 2; exists(candidate); i++) {
                    candidate = base + "-" + i;
                }
                name = candidate;
            }
            checkName(name);
            if (exists(name)) {
                throw new SnapshotException("a snapshot named '" + name + "' exists already");
            }
            if (live != null) {
                live.commitAll();
            }
            NamespaceScan scan = catalog.readConsistent(NamespaceScan::read);
            Builder b = new Builder(scan);
            ChunkId top;
            try {
                InodeRecord rootInode = scan.inodes.get(Namespace.ROOT_INO);
                if (rootInode == null) {
                    throw new SnapshotException("the repo has no root directory yet (never mounted)");
                }
                ChunkId rootListing = b.tree(Namespace.ROOT_INO);
                TreeEntry rootEntry = b.entry(TOP_NAME, rootInode, rootListing);
                top = b.put(List.of(rootEntry));
                String finalName = name;
                String host = hostName();
                SnapshotStats.Stats[] stored = new SnapshotStats.Stats[1];
                SnapshotRecord rec = catalog.transaction(tx -> {
                    for (Map.Entry<ChunkId, Map<ChunkId, Integer>> t : b.children.entrySet()) {
                        if (BlobGraph.addChildren(tx, t.getKey(), t.getValue())) {
                            b.recorded++;
                        }
                    }
                    List<Snapshots.Row> all = Snapshots.list(tx);
                    Snapshots.Row parent = all.isEmpty() ? null : all.get(all.size() - 1);
                    Snapshots.New row = new Snapshots.New(SnapshotId.random(), finalName, now, host, tag, top,
                            parent == null ? null : parent.id(), parent == null ? null : parent.stableId(),
                            parent == null ? null : parent.name());
                    long id = Snapshots.insert(tx, row);
                    stored[0] = SnapshotStats.record(tx, id, b.logicalBytes, b.files);
                    return new SnapshotRecord(row.stableId(), finalName, now, 0, host, Tags.of(tag), top,
                            row.parentStableId(), row.parentName());
                });
                log.info("snapshot {}: {} trees ({} new), {} files", finalName, b.children.size(), b.recorded, b.files);
                return new Created(rec, b.children.size(), b.recorded, b.files, stored[0]);
            } catch (IllegalStateException e) {
                throw new SnapshotException("snapshot failed: a chunk was freed while freezing (" + e.getMessage()
                        + "); run it again");
            } finally {
                store.unpin(b.pinned);
            }
        } finally {
            lock.unlock();
        }
    }

    private boolean exists(String name) throws IOException {
        return catalog.transaction(tx -> Snapshots.byName(tx, name)) != null;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Builds the tree blobs of a scanned namespace, bottom-up. */
    private final class Builder {
        final NamespaceScan scan;
        /** Every tree blob of this snapshot with the references it holds, children before parents. */
        final Map<ChunkId, Map<ChunkId, Integer>> children = new LinkedHashMap<>();
        final List<ChunkId> pinned = new ArrayList<>();
        int recorded;
        long files;
        /** Sum of the sizes of the snapshot's regular files (each link counts, as a copy of the tree would). */
        long logicalBytes;

        Builder(NamespaceScan scan) {
            this.scan = scan;
        }

        ChunkId tree(long dirIno) throws IOException {
            List<Namespace.Dentry> dentries = new ArrayList<>(scan.entries.getOrDefault(dirIno, List.of()));
            dentries.sort((x, y) -> Arrays.compareUnsigned(x.name(), y.name()));
            List<TreeEntry> entries = new ArrayList<>(dentries.size());
            for (Namespace.Dentry d : dentries) {
                InodeRecord r = scan.inodes.get(d.ino());
                if (r == null) {
                    continue; // an orphan mid-removal: not part of the tree
                }
                ChunkId subtree = r.isDir() ? tree(r.ino()) : null;
                entries.add(entry(d.name(), r, subtree));
            }
            return put(entries);
        }

        TreeEntry entry(byte[] name, InodeRecord r, ChunkId subtree) {
            List<TreeEntry.Xattr> xattrs = new ArrayList<>();
            for (byte[][] x : scan.xattrs.getOrDefault(r.ino(), List.of())) {
                xattrs.add(new TreeEntry.Xattr(x[0], x[1]));
            }
            List<ChunkRef> chunks = List.of();
            long size = r.size();
            if (r.isFile()) {
                files++;
                logicalBytes += size;
                chunks = normalise(scan.chunks.getOrDefault(r.ino(), List.of()), r);
            } else if (r.isDir()) {
                size = 0;
            }
            return new TreeEntry(name, r.kind(), r.mode(), r.uid(), r.gid(), size, r.nlink(), r.rdev(), r.atimeNs(),
                    r.mtimeNs(), r.ctimeNs(), r.btimeNs(), r.ino(), xattrs, chunks, subtree,
                    r.kind() == InodeRecord.Kind.SYMLINK ? (r.symlink() == null ? new byte[0] : r.symlink()) : null);
        }

        ChunkId put(List<TreeEntry> entries) throws IOException {
            byte[] blob = TreeCodec.encode(entries);
            ChunkId id = store.put(BlobType.TREE, blob);
            pinned.add(id);
            if (!children.containsKey(id)) {
                children.put(id, TreeRefs.of(entries));
            }
            return id;
        }
    }

    /** The chunk list covering exactly the inode's size (a committed file always does; this only guards). */
    private static List<ChunkRef> normalise(List<ChunkRef> refs, InodeRecord r) {
        long total = 0;
        for (ChunkRef c : refs) {
            total += c.length();
        }
        if (total == r.size()) {
            return refs;
        }
        log.warn("inode {}: chunk list covers {} bytes but size is {}; snapshot uses the size", r.ino(), total, r.size());
        List<ChunkRef> out = new ArrayList<>();
        long left = r.size();
        for (ChunkRef c : refs) {
            if (left <= 0) {
                break;
            }
            if (c.length() <= left) {
                out.add(c);
                left -= c.length();
            } else {
                out.add(ChunkRef.hole((int) left)); // a partial chunk cannot be referenced: zeros (logged above)
                left = 0;
            }
        }
        while (left > 0) {
            int n = (int) Math.min(left, Integer.MAX_VALUE);
            out.add(ChunkRef.hole(n));
            left -= n;
        }
        return out;
    }

    // ================================================================ reading

    /** Every snapshot, oldest first. */
    public List<SnapshotRecord> list() throws IOException {
        return catalog.transaction(tx -> Snapshots.list(tx)).stream().map(SnapshotRecord::of).toList();
    }

    /** Every snapshot with its local id (for inode numbering), oldest first. */
    public List<Snapshots.Row> rows() throws IOException {
        return catalog.transaction(Snapshots::list);
    }

    /** The row of the snapshot named {@code name}, or null. */
    public Snapshots.Row row(String name) throws IOException {
        return catalog.transaction(tx -> Snapshots.byName(tx, name));
    }

    /** The snapshot named {@code name}; a {@link SnapshotException} when there is none. */
    public SnapshotRecord get(String name) throws IOException {
        Snapshots.Row row = catalog.transaction(tx -> Snapshots.byName(tx, name));
        if (row == null) {
            throw new SnapshotException("no snapshot named '" + name + "'");
        }
        return SnapshotRecord.of(row);
    }

    // ================================================================ forget and prune

    /**
     * Removes the snapshots {@code policy} does not keep (each in its own transaction that drops its root
     * reference and queues it for the partner side); with {@code dryRun} only decides. Returns the decision.
     */
    public ForgetPolicy.Decision forget(ForgetPolicy policy, boolean dryRun) throws IOException {
        lock.lock();
        try {
            List<SnapshotRecord> all = list();
            ForgetPolicy.Decision d = policy.apply(all);
            if (!dryRun) {
                forget(d.remove().stream().map(SnapshotRecord::name).toList());
            }
            return d;
        } finally {
            lock.unlock();
        }
    }

    /** Removes the named snapshots (not their data: that is {@link #prune}'s). */
    public void forget(List<String> names) throws IOException {
        lock.lock();
        try {
            long now = System.currentTimeMillis();
            for (String n : names) {
                catalog.transaction(tx -> {
                    Snapshots.Row row = Snapshots.byName(tx, n);
                    if (row == null) {
                        throw new SnapshotException("no snapshot named '" + n + "'");
                    }
                    Snapshots.delete(tx, row, now);
                    return null;
                });
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Renames snapshot {@code from} to {@code to} (a valid, unused name); the partner follows at its next pass,
     * which republishes this snapshot's record only: its children name it by stable id (decision 0011).
     */
    public void rename(String from, String to) throws IOException {
        checkName(to);
        lock.lock();
        try {
            catalog.transaction(tx -> {
                Snapshots.Row row = Snapshots.byName(tx, from);
                if (row == null) {
                    throw new SnapshotException("no snapshot named '" + from + "'");
                }
                if (Snapshots.byName(tx, to) != null) {
                    throw new SnapshotException("a snapshot named '" + to + "' exists already");
                }
                Snapshots.rename(tx, row, to);
                return null;
            });
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds {@code add} to and then removes {@code remove} from the tags of snapshot {@code name}; returns its tags
     * after. The partner's record follows at the next replication pass (a record changed in place would no longer
     * hash to its name, so the old record is retired and a new one published; no other snapshot's record changes).
     */
    public List<String> retag(String name, java.util.Set<String> add, java.util.Set<String> remove) throws IOException {
        lock.lock();
        try {
            return catalog.transaction(tx -> {
                Snapshots.Row row = Snapshots.byName(tx, name);
                if (row == null) {
                    throw new SnapshotException("no snapshot named '" + name + "'");
                }
                java.util.Set<String> tags = new java.util.LinkedHashSet<>(Tags.of(row.tag()));
                tags.addAll(add);
                tags.removeAll(remove);
                String field = Tags.field(tags);
                if (!java.util.Objects.equals(field, row.tag())) {
                    Snapshots.setTag(tx, row, field);
                }
                return List.copyOf(tags);
            });
        } finally {
            lock.unlock();
        }
    }

    /** What {@link #prune} did. */
    public record Pruned(int snapshotsHandedToPartner, ChunkStore.GcStats gc, long bytesBefore, long bytesAfter) {
    }

    /**
     * Frees every blob that no live file and no remaining snapshot references and returns the space (store GC
     * with pack compaction, catalog compaction), then hands forgotten snapshots to {@code listener} (the partner
     * side) and clears them from the queue once it returns. Idempotent: rerun after a crash at any point.
     */
    public Pruned prune(PruneListener listener, java.util.function.LongSupplier bytesOnDisk) throws IOException {
        return prune(listener, bytesOnDisk, ByteProgress.NONE);
    }

    /** As {@link #prune(PruneListener, java.util.function.LongSupplier)}, with the compaction's progress. */
    public Pruned prune(PruneListener listener, java.util.function.LongSupplier bytesOnDisk, ByteProgress progress)
            throws IOException {
        lock.lock();
        try {
            long before = bytesOnDisk.getAsLong();
            ChunkStore.GcStats gc = store.collectGarbage(progress);
            catalog.compact();
            List<Snapshots.Forgotten> forgotten = catalog.transaction(Snapshots::forgotten);
            if (listener == null) {
                // no partner side here (not mounted, or no replicator): keep the queue for it
                return new Pruned(0, gc, before, bytesOnDisk.getAsLong());
            }
            listener.pruned(Collections.unmodifiableList(forgotten), gc);
            if (!forgotten.isEmpty()) {
                catalog.transaction(tx -> {
                    Snapshots.clearForgotten(tx, forgotten.stream().map(Snapshots.Forgotten::name).toList());
                    return null;
                });
            }
            return new Pruned(forgotten.size(), gc, before, bytesOnDisk.getAsLong());
        } finally {
            lock.unlock();
        }
    }
}
