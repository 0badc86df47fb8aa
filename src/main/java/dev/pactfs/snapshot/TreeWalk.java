package dev.pactfs.snapshot;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.ChunkStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Walks the trees of a set of snapshots by reading and decoding every tree blob with the key: the references each
 * tree really holds ({@link TreeRefs}), and every file that cannot be restored ("snapshot:/path").
 *
 * <p>This is what makes a catalog's reference graph trustworthy after it was rebuilt from an untrusted copy: an
 * index file's edges are a shortcut, the decoded trees are the truth. A tree that cannot be read (its blob missing,
 * damaged, or not a tree) leaves every reference below it unknown: the walk is then {@linkplain Report#complete()
 * incomplete}, and nothing may be deleted on its strength.
 *
 * <p>Each distinct tree is read once, however many snapshots share it: what is lost below a tree is memoised as
 * paths relative to it (empty, and shared, for the usual intact tree).
 */
public final class TreeWalk {

    /** Receives each distinct readable tree once, with the references it holds. */
    @FunctionalInterface
    public interface Listener {
        void tree(ChunkId id, Map<ChunkId, Integer> refs) throws IOException;
    }

    /** Whether a file chunk can be had (indexed, locally or at the partner). */
    @FunctionalInterface
    public interface Presence {
        boolean has(ChunkId id) throws IOException;
    }

    /** A snapshot to walk: its name (for the report) and its top tree. */
    public record Root(String name, ChunkId top) {
    }

    /**
     * What the walk found.
     *
     * @param lostFiles       every file or directory that cannot be restored, "snapshot:/path" (directories end in
     *                        "/"), with the reason after a space for directories
     * @param unreadableTrees trees whose references are unknown
     * @param missingChunks   file chunks referenced but not present
     */
    public record Report(long trees, long files, List<String> lostFiles, Set<ChunkId> unreadableTrees,
                         Set<ChunkId> missingChunks) {
        /** Every reference below every root is known (some chunks may still be missing). */
        public boolean complete() {
            return unreadableTrees.isEmpty();
        }

        /** Nothing is lost at all. */
        public boolean intact() {
            return lostFiles.isEmpty() && unreadableTrees.isEmpty() && missingChunks.isEmpty();
        }
    }

    private final ChunkStore store;
    private final Presence presence;
    private final Listener listener;
    /** Lost paths below each tree already walked, relative to it. */
    private final Map<ChunkId, List<String>> lostBelow = new HashMap<>();
    /**
     * Chunks already looked up. Bounded: a chunk shared by many distinct trees (an unchanged file in a directory
     * that changed every night) is looked up once while it stays here, at most again after it was dropped.
     */
    private final Cache<ChunkId, Boolean> chunkPresent = Caffeine.newBuilder().maximumSize(1_000_000).build();
    private final Predicate<IOException> fatal;
    private final Set<ChunkId> unreadable = new LinkedHashSet<>();
    private final Set<ChunkId> missing = new LinkedHashSet<>();
    private long files;

    private TreeWalk(ChunkStore store, Presence presence, Listener listener, Predicate<IOException> fatal) {
        this.store = store;
        this.fatal = fatal;
        this.presence = presence;
        this.listener = listener;
    }

    /**
     * Walks every root; {@code listener} sees each distinct readable tree once. A failure to read a tree for which
     * {@code fatal} is true (a partner that stopped answering) ends the walk instead of counting the tree as lost.
     */
    public static Report walk(ChunkStore store, List<Root> roots, Presence presence, Listener listener,
                              Predicate<IOException> fatal) throws IOException {
        TreeWalk w = new TreeWalk(store, presence, listener, fatal);
        List<String> lost = new ArrayList<>();
        for (Root r : roots) {
            for (String p : w.below(r.top())) {
                lost.add(r.name() + ":" + p);
            }
        }
        return new Report(w.lostBelow.size(), w.files, lost, w.unreadable, w.missing);
    }

    /** Paths lost below tree {@code id}, relative to the directory it lists ("" + "/name"...). */
    private List<String> below(ChunkId id) throws IOException {
        List<String> known = lostBelow.get(id);
        if (known != null) {
            return known;
        }
        List<TreeEntry> entries;
        try {
            entries = TreeCodec.decode(store.get(BlobType.TREE, id), "tree " + id.shortHex());
        } catch (IOException e) {
            if (fatal.test(e)) {
                throw e;
            }
            // A missing blob or pack, damaged bytes, a blob that is not a tree: the listing and all below it are
            // unknown.
            unreadable.add(id);
            List<String> one = List.of("/ (directory listing unreadable: " + e.getMessage() + ")");
            lostBelow.put(id, one);
            return one;
        }
        listener.tree(id, TreeRefs.of(entries));
        List<String> out = new ArrayList<>();
        for (TreeEntry e : entries) {
            // The top tree's single entry is named "/": its listing is the root directory itself.
            String path = isTop(e) ? "" : "/" + e.nameString();
            if (e.isDir() && e.subtree() != null) {
                for (String p : below(e.subtree())) {
                    out.add(path + p);
                }
            } else if (e.isFile()) {
                files++;
                if (!allPresent(e.chunks())) {
                    out.add(path.isEmpty() ? "/" : path);
                }
            }
        }
        List<String> result = out.isEmpty() ? List.of() : List.copyOf(out);
        lostBelow.put(id, result);
        return result;
    }

    private static boolean isTop(TreeEntry e) {
        return e.name().length == 1 && e.name()[0] == '/';
    }

    private boolean allPresent(List<ChunkRef> chunks) throws IOException {
        boolean all = true;
        for (ChunkRef c : chunks) {
            if (c.isHole()) {
                continue;
            }
            Boolean has = chunkPresent.getIfPresent(c.id());
            if (has == null) {
                has = presence.has(c.id());
                chunkPresent.put(c.id(), has);
                if (!has) {
                    missing.add(c.id());
                }
            }
            all &= has;
        }
        return all;
    }
}
