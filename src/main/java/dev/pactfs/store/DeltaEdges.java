package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file chunk's only references are to its delta base. After {@code recover}, those edges come from the
 * partner's index files (a pack read from its trailer has them from the frames); the frame inside the sealed
 * blob is what a read decodes against, so when a blob is fetched or reused, its edge is checked against the frame
 * and, where they differ, the frame wins: otherwise gc could free the base a delta really needs while keeping one
 * it does not (issue 12: recovery never trusts what it can recompute from the key).
 */
final class DeltaEdges {

    private static final Logger log = LoggerFactory.getLogger(DeltaEdges.class);

    private DeltaEdges() {
    }

    /**
     * Makes the recorded references of file chunk {@code id} exactly its frame's base ({@code base}, null for a
     * full chunk), refcounts adjusted with them; returns whether they were wrong.
     */
    static boolean correct(Tx tx, ChunkId id, ChunkId base) throws IOException {
        Map<ChunkId, Integer> recorded = PartnerCatalog.children(tx, id);
        Map<ChunkId, Integer> framed = base == null ? Map.of() : Map.of(base, 1);
        if (recorded.equals(framed)) {
            return false;
        }
        BlobGraph.dropChildren(tx, id);
        BlobGraph.addChildren(tx, id, framed);
        log.warn("chunk {}: its frame's delta base is {}, its index entry said {}; the frame's is recorded",
                id.shortHex(), base == null ? "none" : base.shortHex(), recorded.keySet());
        return true;
    }
}
