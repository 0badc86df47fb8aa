package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a garbage collection would free, computed without changing anything (the {@code --dry-run} of gc, prune,
 * forget --prune and snapshot rm): the blobs at refcount 0, plus, as the collection's rounds do, every blob whose
 * last references came from those, down the tree. {@code droppedRoots} are root references about to be dropped
 * (snapshots a dry-run forget would remove). An estimate in two ways, both towards less: blobs a running write
 * pins are counted as freed, and bases that only deltas use (rewritten in full by a real collection, then freed)
 * are not counted. Reads one consistent view of the catalog.
 */
public final class GarbagePreview {

    /** Blobs and their stored bytes a collection would free. */
    public record Preview(long blobs, long storedBytes) {
    }

    private GarbagePreview() {
    }

    public static Preview of(Catalog catalog, List<ChunkId> droppedRoots) throws IOException {
        return catalog.readConsistent(tx -> {
            Map<ChunkId, Long> refs = new HashMap<>();
            Deque<ChunkIndex.Entry> dying = new ArrayDeque<>(ChunkIndex.unreferenced(tx, Integer.MAX_VALUE));
            for (ChunkId root : droppedRoots) {
                drop(tx, refs, dying, root, 1);
            }
            Set<ChunkId> dead = new HashSet<>();
            long bytes = 0;
            while (!dying.isEmpty()) {
                ChunkIndex.Entry e = dying.pop();
                if (!dead.add(e.id())) {
                    continue;
                }
                bytes += e.storedSize();
                for (Map.Entry<ChunkId, Long> c : children(tx, e.id()).entrySet()) {
                    drop(tx, refs, dying, c.getKey(), c.getValue());
                }
            }
            return new Preview(dead.size(), bytes);
        });
    }

    /** Drops {@code n} references from {@code id}; queues it when that was its last. */
    private static void drop(Tx tx, Map<ChunkId, Long> refs, Deque<ChunkIndex.Entry> dying, ChunkId id, long n)
            throws IOException {
        ChunkIndex.Entry e = ChunkIndex.find(tx, id);
        if (e == null) {
            return;
        }
        long before = refs.getOrDefault(id, e.refcount());
        if (before <= 0) {
            return; // queued already (at 0 from the start, or dropped to it)
        }
        long after = before - n;
        refs.put(id, after);
        if (after <= 0) {
            dying.add(e);
        }
    }

    private static Map<ChunkId, Long> children(Tx tx, ChunkId parent) throws IOException {
        Map<ChunkId, Long> out = new HashMap<>();
        try (PreparedStatement ps = tx.connection().prepareStatement("SELECT child, n FROM blob_children WHERE parent = ?")) {
            ps.setBytes(1, parent.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.merge(ChunkId.of(rs.getBytes(1)), rs.getLong(2), Long::sum);
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("reading references of blob " + parent.shortHex(), e);
        }
        return out;
    }
}
