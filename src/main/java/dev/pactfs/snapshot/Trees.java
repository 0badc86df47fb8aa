package dev.pactfs.snapshot;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads tree blobs from the store, decoded and cached (an id names its content, so a cached listing is never
 * stale), and walks paths through them. Thread-safe.
 */
public final class Trees {

    /** Decoded listings kept, counted in entries. */
    static final long CACHE_ENTRIES = 200_000;

    private final ChunkStore store;
    private final Cache<ChunkId, List<TreeEntry>> cache = Caffeine.newBuilder()
            .maximumWeight(CACHE_ENTRIES)
            .weigher((ChunkId k, List<TreeEntry> v) -> Math.max(1, v.size()))
            .build();

    public Trees(ChunkStore store) {
        this.store = store;
    }

    /**
     * The references a tree blob with {@code entries} holds, with multiplicity: its subtrees and its files'
     * chunks (not holes). What BlobGraph records as its edges and counts in the children's refcounts.
     */
    public static java.util.Map<ChunkId, Integer> references(List<TreeEntry> entries) {
        java.util.Map<ChunkId, Integer> refs = new java.util.HashMap<>();
        for (TreeEntry e : entries) {
            if (e.subtree() != null) {
                refs.merge(e.subtree(), 1, Integer::sum);
            }
            for (dev.pactfs.store.ChunkRef c : e.chunks()) {
                if (!c.isHole()) {
                    refs.merge(c.id(), 1, Integer::sum);
                }
            }
        }
        return refs;
    }

    /** The listing stored under {@code id}. */
    public List<TreeEntry> get(ChunkId id) throws IOException {
        List<TreeEntry> t = cache.getIfPresent(id);
        if (t == null) {
            t = List.copyOf(TreeCodec.decode(store.get(BlobType.TREE, id), "tree " + id.shortHex()));
            cache.put(id, t);
        }
        return t;
    }

    /** The root directory's entry (named "/") of the snapshot whose top tree is {@code top}. */
    public TreeEntry rootOf(ChunkId top) throws IOException {
        List<TreeEntry> t = get(top);
        if (t.size() != 1 || !Arrays.equals(t.get(0).name(), SnapshotService.TOP_NAME) || !t.get(0).isDir()) {
            throw new TreeFormatException("tree " + top.shortHex() + " is not a snapshot's top tree");
        }
        return t.get(0);
    }

    /** The entry named {@code name} in directory {@code dir}, or null. */
    public TreeEntry lookup(TreeEntry dir, byte[] name) throws IOException {
        if (!dir.isDir()) {
            return null;
        }
        List<TreeEntry> entries = get(dir.subtree());
        int lo = 0;
        int hi = entries.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Arrays.compareUnsigned(entries.get(mid).name(), name);
            if (c == 0) {
                return entries.get(mid);
            }
            if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return null;
    }

    /** Walks {@code names} from {@code root}; null when a component is missing or not a directory. */
    public TreeEntry walk(TreeEntry root, List<byte[]> names) throws IOException {
        TreeEntry e = root;
        for (byte[] n : names) {
            if (e == null || !e.isDir()) {
                return null;
            }
            e = lookup(e, n);
        }
        return e;
    }

    /** The components of a slash-separated path, empty ones (and ".") dropped. */
    public static List<byte[]> components(String path) {
        List<byte[]> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                out.add(p.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
