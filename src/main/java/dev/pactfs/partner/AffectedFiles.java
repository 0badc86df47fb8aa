package dev.pactfs.partner;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.snapshot.Trees;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which files of which snapshots a set of lost blobs (a missing or damaged partner pack) takes away: every file
 * with a lost chunk, and every directory whose listing is lost ("snapshot:/path"). Everything not named restores.
 */
public final class AffectedFiles {

    private AffectedFiles() {
    }

    /** At most {@code limit} affected paths, as "snapshot:/dir/file" (directories end with "/"). */
    public static List<String> list(ChunkStore store, Set<ChunkId> lost, int limit) throws IOException {
        List<String> out = new ArrayList<>();
        if (lost.isEmpty()) {
            return out;
        }
        Trees trees = new Trees(store);
        for (PartnerCatalog.SnapshotRow s : store.catalog().transaction(PartnerCatalog::allSnapshots)) {
            if (!store.catalog().transaction(tx -> PartnerCatalog.reaches(tx, s.root(), lost))) {
                continue;
            }
            TreeEntry root;
            try {
                root = trees.rootOf(s.root());
            } catch (IOException e) {
                out.add(s.name() + ":/ (the snapshot's top listing is lost)");
                continue;
            }
            walk(trees, s.name() + ":", root, "", lost, out, limit);
            if (out.size() >= limit) {
                break;
            }
        }
        return out;
    }

    private static void walk(Trees trees, String snap, TreeEntry dir, String path, Set<ChunkId> lost, List<String> out,
                             int limit) {
        if (dir.subtree() == null) {
            return;
        }
        List<TreeEntry> entries;
        try {
            entries = trees.get(dir.subtree());
        } catch (IOException e) {
            out.add(snap + path + "/ (directory listing lost)");
            return;
        }
        for (TreeEntry e : entries) {
            if (out.size() >= limit) {
                return;
            }
            String p = path + "/" + e.nameString();
            if (e.isDir()) {
                if (e.subtree() != null && lost.contains(e.subtree())) {
                    out.add(snap + p + "/ (directory listing lost)");
                } else {
                    walk(trees, snap, e, p, lost, out, limit);
                }
            } else if (e.chunks() != null) {
                for (ChunkRef r : e.chunks()) {
                    if (!r.isHole() && lost.contains(r.id())) {
                        out.add(snap + p);
                        break;
                    }
                }
            }
        }
    }
}
