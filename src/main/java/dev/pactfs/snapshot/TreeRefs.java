package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The references a tree blob holds, derived from its decoded entries alone: each subtree and each file chunk, with
 * multiplicity. The one definition of a tree's edges: snapshot creation records them, and recovery and
 * {@code check --read-trees} recompute them from the key instead of trusting what an index file says.
 */
public final class TreeRefs {

    private TreeRefs() {
    }

    /** Child id to the number of times the listing references it. */
    public static Map<ChunkId, Integer> of(List<TreeEntry> entries) {
        Map<ChunkId, Integer> refs = new HashMap<>();
        for (TreeEntry e : entries) {
            if (e.subtree() != null) {
                refs.merge(e.subtree(), 1, Integer::sum);
            }
            for (ChunkRef c : e.chunks()) {
                if (!c.isHole()) {
                    refs.merge(c.id(), 1, Integer::sum);
                }
            }
        }
        return refs;
    }
}
