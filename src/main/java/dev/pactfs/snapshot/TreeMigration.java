package dev.pactfs.snapshot;

import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Repo format 1 to 2: every snapshot's trees re-encoded bottom-up under format-2 ids (a tree's bytes change only
 * where a subtree's id changed), then its root swapped in one transaction with the edges of its new trees
 * (BlobGraph, as snapshot creation records them) and the partner record retired (Snapshots#replaceRoot). File
 * chunks keep their ids; the old trees lose their last reference and are freed by the next GC, cascading
 * through their edges.
 *
 * <p>Crash-safe and resumable: nothing is changed in place; a snapshot is either on its old root or on its
 * new one. Run again, an already migrated snapshot re-encodes to its own root (same bytes, same id) and is
 * skipped. The store must be open with the transitional ids ({@code RepoKeys#transitionalBlobIds}), which read
 * both formats' tree ids and write format-2 ones. Nothing else may use the repo meanwhile (trees written here
 * sit at refcount 0 until their snapshot's transaction).
 *
 * <p>Repairs snapshots that issue 12 already broke: under format 1 a tree whose id was taken by a file chunk
 * {@code 02 | listing} was recorded as that chunk; the listing is the chunk minus its first byte (the chunk
 * was verified under K_id, so it is exactly the bytes the tree's format-1 id was computed over).
 */
public final class TreeMigration {

    /** What a run did: snapshots seen, snapshots moved to new roots, tree blobs put, trees recovered from chunks. */
    public record Result(int snapshots, int migrated, int treesWritten, int repaired) {
    }

    private final ChunkStore store;
    private final Catalog catalog;
    /** Old tree id to new, across snapshots: a directory shared by many snapshots is re-encoded once. */
    private final Map<ChunkId, ChunkId> renamed = new HashMap<>();
    /** The new trees of the snapshot in hand with their references, children before parents. */
    private final Map<ChunkId, Map<ChunkId, Integer>> children = new LinkedHashMap<>();
    private final List<ChunkId> pinned = new ArrayList<>();
    private int treesWritten;
    private int repaired;

    public TreeMigration(ChunkStore store) {
        this.store = store;
        this.catalog = store.catalog();
    }

    public Result run() throws IOException {
        List<Snapshots.Row> rows = catalog.transaction(Snapshots::list);
        int migrated = 0;
        for (Snapshots.Row row : rows) {
            children.clear();
            try {
                ChunkId top = reencode(row.root());
                if (top.equals(row.root())) {
                    continue; // migrated by an earlier run
                }
                catalog.transaction(tx -> {
                    for (Map.Entry<ChunkId, Map<ChunkId, Integer>> t : children.entrySet()) {
                        BlobGraph.addChildren(tx, t.getKey(), t.getValue());
                    }
                    Snapshots.replaceRoot(tx, row, top);
                    return null;
                });
                migrated++;
            } catch (TreeFormatException e) {
                throw new StoreException("snapshot " + row.name() + " cannot be migrated: " + e.getMessage(), e);
            } finally {
                store.unpin(pinned);
                pinned.clear();
            }
        }
        store.sync();
        return new Result(rows.size(), migrated, treesWritten, repaired);
    }

    private ChunkId reencode(ChunkId old) throws IOException {
        ChunkId done = renamed.get(old);
        if (done != null) {
            return done;
        }
        List<TreeEntry> entries = TreeCodec.decode(listing(old), "tree " + old.shortHex());
        List<TreeEntry> out = new ArrayList<>(entries.size());
        for (TreeEntry e : entries) {
            out.add(e.subtree() == null ? e : withSubtree(e, reencode(e.subtree())));
        }
        ChunkId id = store.put(BlobType.TREE, TreeCodec.encode(out));
        pinned.add(id);
        treesWritten++;
        children.putIfAbsent(id, TreeRefs.of(out));
        renamed.put(old, id);
        return id;
    }

    /** The plaintext of tree {@code id}: a tree blob, or the listing inside the file chunk that took its id. */
    private byte[] listing(ChunkId id) throws IOException {
        Integer kind = catalog.transaction(tx -> Snapshots.blobKind(tx, id));
        if (kind == null || kind != BlobType.CHUNK.code) {
            return store.get(BlobType.TREE, id);
        }
        byte[] chunk = store.get(BlobType.CHUNK, id);
        if (chunk.length < 2 || chunk[0] != BlobType.TREE.code) {
            throw new StoreException("snapshot tree " + id.toHex() + " is a file chunk that holds no tree listing");
        }
        repaired++;
        return Arrays.copyOfRange(chunk, 1, chunk.length);
    }

    private static TreeEntry withSubtree(TreeEntry e, ChunkId subtree) {
        return new TreeEntry(e.name(), e.kind(), e.mode(), e.uid(), e.gid(), e.size(), e.nlink(), e.rdev(),
                e.atimeNs(), e.mtimeNs(), e.ctimeNs(), e.btimeNs(), e.ino(), e.xattrs(), e.chunks(), subtree,
                e.symlink());
    }
}
