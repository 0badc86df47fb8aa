package dev.pactfs.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node ids the kernel holds for this mount, counted as libfuse counts them: every entry reply (lookup, create,
 * mkdir, mknod, symlink, link) hands the kernel one more lookup of a node, every FORGET hands some back, and the
 * kernel forgets a node only all at once (when it evicts the inode). Counting, not just remembering, is what keeps
 * a node that is looked up again while its FORGET is on the way (the counts commute; a set would drop it). A count
 * too high (an entry reply the kernel never took) only keeps a node here longer, which costs one needless
 * invalidation; a node missing here is what would leave a cached attribute stale, and cannot happen.
 *
 * <p>Thread-safe: each node's count changes atomically.
 */
final class KernelNodes {

    /** Node id to {lookups, 1 when a directory}. */
    private final Map<Long, long[]> nodes = new ConcurrentHashMap<>();

    /** The kernel got an entry for {@code nodeid} (a directory or not, as the reply's attributes say). */
    void lookedUp(long nodeid, boolean dir) {
        nodes.compute(nodeid, (k, v) -> v == null ? new long[] {1, dir ? 1 : 0} : new long[] {v[0] + 1, dir ? 1 : 0});
    }

    /** The kernel forgot {@code lookups} lookups of {@code nodeid}. */
    void forgot(long nodeid, long lookups) {
        nodes.computeIfPresent(nodeid, (k, v) -> v[0] - lookups <= 0 ? null : new long[] {v[0] - lookups, v[1]});
    }

    /** Every node the kernel may hold (the root, id 1, is never counted: the kernel always holds it). */
    List<Long> all() {
        return new ArrayList<>(nodes.keySet());
    }

    /** The directories among them. */
    List<Long> dirs() {
        List<Long> out = new ArrayList<>();
        nodes.forEach((k, v) -> {
            if (v[1] == 1) {
                out.add(k);
            }
        });
        return out;
    }

    int size() {
        return nodes.size();
    }
}
