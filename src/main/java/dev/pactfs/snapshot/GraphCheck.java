package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.BlobGraph;
import dev.pactfs.store.Cancellation;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.RemoteUnavailableException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Proves a catalog's reference graph against the trees themselves ({@code check --read-trees}): decodes every
 * tree of every snapshot with the key and compares the references it holds with the edges the catalog recorded.
 * With repair, recorded edges that differ are replaced by the decoded ones and every refcount is recomputed.
 *
 * <p>The graph is proven, and the catalog's {@linkplain GraphProof unproven mark} cleared, when every tree was
 * read and every edge matches (or was repaired). Chunks that are missing do not stop the proof: they are named
 * as files that cannot be restored, but what references them is known, so nothing live can be freed.
 */
public final class GraphCheck {

    /**
     * What the check found.
     *
     * @param wrongEdges trees whose recorded references differ from their decoded content
     * @param repaired   whether those were replaced and refcounts recomputed
     * @param proven     the graph is proven complete (the mark is cleared)
     * @param unproven   why the graph was unproven before the check, or null
     */
    public record Result(TreeWalk.Report walk, List<ChunkId> wrongEdges, boolean repaired, boolean proven,
                         String unproven) {
        public boolean clean() {
            return walk.intact() && (wrongEdges.isEmpty() || repaired) && proven;
        }
    }

    private GraphCheck() {
    }

    /** Runs the check; {@code repair} replaces wrong edges and recomputes refcounts. */
    public static Result run(ChunkStore store, boolean repair) throws IOException {
        Catalog catalog = store.catalog();
        String before = catalog.transaction(GraphProof::unproven);
        List<TreeWalk.Root> roots = catalog.transaction(PartnerCatalog::allSnapshots).stream()
                .map(s -> new TreeWalk.Root(s.name(), s.root())).toList();
        List<ChunkId> wrong = new ArrayList<>();
        TreeWalk.Report walk = TreeWalk.walk(store, roots, store::contains, (tree, refs) -> {
            // Per directory listing: a check the mount daemon runs for a client stops when the client is
            // interrupted. Before the first repair that is clean; after it, the mark below keeps the graph unproven
            // (edges replaced, refcounts not yet recomputed) until a check finishes.
            Cancellation.checkpoint();
            Map<ChunkId, Integer> recorded = catalog.transaction(tx -> PartnerCatalog.children(tx, tree));
            if (!recorded.equals(refs)) {
                wrong.add(tree);
                if (repair) {
                    catalog.transaction(tx -> {
                        GraphProof.markUnproven(tx, "a check --repair stopped before it recomputed the references");
                        BlobGraph.replaceChildren(tx, tree, refs);
                        return null;
                    });
                }
            }
        }, e -> e instanceof RemoteUnavailableException);
        boolean proven = walk.complete() && (wrong.isEmpty() || repair);
        catalog.transaction(tx -> {
            if (repair && !wrong.isEmpty()) {
                PartnerCatalog.recomputeRefcounts(tx);
            }
            if (proven) {
                GraphProof.markProven(tx);
            } else {
                GraphProof.markUnproven(tx, walk.complete() ? wrong.size() + " trees' recorded references differ from"
                        + " their content" : walk.unreadableTrees().size() + " directory listings are unreadable");
            }
            return null;
        });
        return new Result(walk, wrong, repair && !wrong.isEmpty(), proven, before);
    }
}
