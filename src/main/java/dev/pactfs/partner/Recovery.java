package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.TreeFormatException;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/*
 * Recovery rebuilds a local catalog from the partner copy alone:
 *   1. repo info (index/ file of kind 'R'): the repo id and chunk sizes; that it decrypts is the key check;
 *   2. every index file: each blob's pack, offset, sizes, and tree edges -> chunks rows (no local payload yet,
 *      partner location set) and blob_children; every pack it names -> partner_packs. A pack whose index file is
 *      missing or damaged is indexed from its own trailer (without tree edges);
 *   3. every snapshot record -> snapshots rows (parents by name) and partner_snapshots;
 *   4. refcounts recomputed from edges and snapshot roots (the invariant `check` verifies);
 *   5. payloads: eager by default (every pack read once, each blob verified by the store and appended to a local
 *      pack), so the new repo no longer depends on the partner; with lazy, reads fetch from the partner.
 *   6. the delta index (store.DeltaIndexRebuild): delta_chunks rows of recovered deltas, super-features of
 *      recovered full chunks (after the eager fetch; lazy recovery gets the rows only).
 * A blob that cannot be had (pack missing, bytes damaged) is reported with the snapshots that reach it; the
 * rest is recovered.
 */

/** Disaster recovery from the partner copy. */
public final class Recovery {

    private Recovery() {
    }

    /** Progress of payload fetching: bytes done and total. */
    @FunctionalInterface
    public interface Progress {
        void update(long doneBytes, long totalBytes);
    }

    /** What a recovery found. */
    public record Result(int packs, long blobs, int snapshots, long bytesFetched, Set<ChunkId> lostBlobs,
                         List<String> problems, List<String> affectedSnapshots) {
        public boolean complete() {
            return lostBlobs.isEmpty() && problems.isEmpty();
        }
    }

    /** Repo id and chunk sizes kept at the partner. */
    public record RepoInfo(String repoId, int chunkMin, int chunkAvg, int chunkMax, int repoFormat) {
    }

    /** Thrown when the key opens no repo-info file of the copy. */
    public static final class WrongKeyException extends PartnerCorruptException {
        private static final long serialVersionUID = 1L;

        WrongKeyException(String message) {
            super(message);
        }
    }

    /**
     * The copy's repo info, decrypted with {@code cipher}.
     *
     * @throws WrongKeyException the key opens none (wrong key, or every copy of the info is damaged)
     */
    public static RepoInfo repoInfo(PartnerTarget target, BlobCipher cipher) throws IOException {
        int seen = 0;
        String lastProblem = null;
        for (String name : target.list(PartnerTarget.Kind.INDEX)) {
            byte[] f = target.load(PartnerTarget.Kind.INDEX, name);
            try {
                if (MetaFiles.kindOf(f, name) != Envelope.REPO_INFO) {
                    continue;
                }
                seen++;
                MetaFiles.RepoInfo r = MetaFiles.readRepoInfo(cipher, f, "index/" + name);
                return new RepoInfo(r.repoId(), r.chunkMin(), r.chunkAvg(), r.chunkMax(), r.repoFormat());
            } catch (PartnerCorruptException e) {
                lastProblem = e.getMessage();
            }
        }
        if (seen == 0) {
            throw new PartnerCorruptException("partner copy " + target.location() + " holds no repo info"
                    + (lastProblem == null ? " (was anything ever replicated to it?)" : ": " + lastProblem));
        }
        throw new WrongKeyException("the key does not open the partner copy at " + target.location()
                + " (wrong key file or paper key, or the repo info is damaged: " + lastProblem + ")");
    }

    /** Steps 2–4: indexes every blob and snapshot of the copy into the (new, empty) catalog. */
    public static Result rebuildCatalog(Catalog catalog, PartnerTarget target, BlobCipher cipher) throws IOException {
        List<String> problems = new ArrayList<>();
        Set<String> packsAtPartner = new HashSet<>(target.list(PartnerTarget.Kind.PACK));
        Set<String> indexed = new HashSet<>();
        long blobs = 0;
        for (String name : target.list(PartnerTarget.Kind.INDEX)) {
            byte[] f = target.load(PartnerTarget.Kind.INDEX, name);
            MetaFiles.Index idx;
            try {
                if (!Envelope.nameOf(f).equals(name)) {
                    throw new PartnerCorruptException("index/" + name + ": content does not hash to its name");
                }
                if (MetaFiles.kindOf(f, name) != Envelope.INDEX) {
                    continue;
                }
                idx = MetaFiles.readIndex(cipher, f, "index/" + name);
            } catch (PartnerCorruptException e) {
                problems.add(e.getMessage());
                continue;
            }
            String pack = Envelope.hex(idx.packName());
            if (!packsAtPartner.contains(pack)) {
                problems.add("pack " + pack + " (named by index/" + name + ") is missing at the partner");
            }
            byte[] indexName = HexFormat.of().parseHex(name);
            catalog.transaction(tx -> {
                List<PartnerCatalog.Placed> placed = new ArrayList<>();
                for (MetaFiles.IndexEntry e : idx.entries()) {
                    PartnerCatalog.insertRemote(tx, e.id(), e.kind(), e.plainSize(), e.length(), idx.packName(), e.offset());
                    if (!e.children().isEmpty()) {
                        PartnerCatalog.insertEdges(tx, e.id(), e.children());
                    }
                    placed.add(new PartnerCatalog.Placed(e.id(), e.offset()));
                }
                PartnerCatalog.recordPack(tx, idx.packName(), idx.packSize(), indexName, placed);
                return null;
            });
            indexed.add(pack);
            blobs += idx.entries().size();
        }
        // Packs without a usable index file: their own trailer.
        for (String pack : packsAtPartner) {
            if (indexed.contains(pack)) {
                continue;
            }
            byte[] f = target.load(PartnerTarget.Kind.PACK, pack);
            List<PackFile.Entry> entries;
            try {
                entries = PackFile.parse(cipher, f, "pack " + pack);
            } catch (PartnerCorruptException e) {
                problems.add(e.getMessage() + " (and no index file describes it)");
                continue;
            }
            byte[] packName = HexFormat.of().parseHex(pack);
            catalog.transaction(tx -> {
                List<PartnerCatalog.Placed> placed = new ArrayList<>();
                for (PackFile.Entry e : entries) {
                    PartnerCatalog.insertRemote(tx, e.id(), e.kind(), e.plainSize(), e.length(), packName, e.offset());
                    placed.add(new PartnerCatalog.Placed(e.id(), e.offset()));
                }
                PartnerCatalog.recordPack(tx, packName, f.length, new byte[32], placed);
                return null;
            });
            blobs += entries.size();
        }
        // Snapshot records, oldest first, parents by name.
        List<SnapshotRecord> snaps = new ArrayList<>();
        Map<String, byte[]> fileOf = new HashMap<>();
        for (String name : target.list(PartnerTarget.Kind.SNAPSHOT)) {
            byte[] f = target.load(PartnerTarget.Kind.SNAPSHOT, name);
            try {
                if (!Envelope.nameOf(f).equals(name)) {
                    throw new PartnerCorruptException("snapshots/" + name + ": content does not hash to its name");
                }
                SnapshotRecord s = SnapshotRecord.decode(MetaFiles.readSnapshot(cipher, f, "snapshots/" + name));
                if (fileOf.containsKey(s.name())) {
                    continue; // the same snapshot published twice (a pass killed after the save): one is enough
                }
                snaps.add(s);
                fileOf.put(s.name(), HexFormat.of().parseHex(name));
            } catch (PartnerCorruptException e) {
                problems.add(e.getMessage());
            } catch (TreeFormatException e) {
                problems.add("snapshots/" + name + ": " + e.getMessage());
            }
        }
        snaps.sort(Comparator.comparingLong(SnapshotRecord::timeMs).thenComparing(SnapshotRecord::name));
        catalog.transaction(tx -> {
            Map<String, Long> ids = new HashMap<>();
            for (SnapshotRecord s : snaps) {
                Long parent = s.parent() == null ? null : ids.get(s.parent());
                long id = Snapshots.insert(tx, s.name(), s.timeMs(), s.host(), s.tag(), s.root(), parent, s.parent());
                ids.put(s.name(), id);
                PartnerCatalog.recordSnapshot(tx, id, fileOf.get(s.name()));
            }
            PartnerCatalog.recomputeRefcounts(tx);
            dev.pactfs.store.SnapshotStats.startWindowNow(tx); // recovered blobs are no snapshot's new bytes
            return null;
        });
        Set<ChunkId> lost = new LinkedHashSet<>();
        for (SnapshotRecord s : snaps) {
            long missing = catalog.transaction(tx -> PartnerCatalog.reachableNotAtPartner(tx, s.root()));
            if (missing > 0) {
                problems.add("snapshot " + s.name() + ": " + missing + " of its blobs are in no index or pack at the partner");
            }
        }
        return new Result(packsAtPartner.size(), blobs, snaps.size(), 0, lost, problems, List.of());
    }

    /** Step 5 (eager): fetches, verifies and stores every payload; returns the blobs that could not be had. */
    public static Set<ChunkId> fetchPayloads(ChunkStore store, PartnerTarget target, Progress progress,
                                            List<String> problems) throws IOException {
        Catalog catalog = store.catalog();
        // A delta chunk is verified by decoding it against its base, which may sit in a pack not fetched yet:
        // the store then fetches the base from the partner on demand.
        store.setRemoteFetcher(new PartnerFetcher(catalog, target));
        List<PartnerCatalog.PartnerPack> packs = catalog.transaction(PartnerCatalog::packs);
        long total = packs.stream().mapToLong(PartnerCatalog.PartnerPack::size).sum();
        long done = 0;
        Set<ChunkId> lost = new LinkedHashSet<>();
        for (PartnerCatalog.PartnerPack p : packs) {
            String name = HexFormat.of().formatHex(p.name());
            List<PartnerCatalog.PartnerLocationOf> blobs = catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, p.name()));
            byte[] f;
            try {
                f = target.load(PartnerTarget.Kind.PACK, name);
            } catch (IOException e) {
                if (!PartnerTarget.isNotFound(e)) {
                    throw new PartnerUnavailableException("cannot read pack " + name + " at " + target.location()
                            + ": " + e.getMessage(), e);
                }
                problems.add("pack " + name + " is missing at the partner: " + blobs.size() + " blobs lost");
                blobs.forEach(b -> lost.add(b.id()));
                done += p.size();
                progress.update(done, total);
                continue;
            }
            if (!Envelope.nameOf(f).equals(name)) {
                problems.add("pack " + name + " is damaged (content does not hash to its name); salvaging its intact blobs");
            }
            // The whole pack in one catalog transaction; a blob that does not verify is lost, the rest stored.
            List<ChunkStore.Sealed> intact = new ArrayList<>(blobs.size());
            for (PartnerCatalog.PartnerLocationOf b : blobs) {
                long off = b.location().offset();
                int len = b.location().storedSize();
                if (off < 0 || off + len > f.length) {
                    lost.add(b.id());
                    continue;
                }
                intact.add(new ChunkStore.Sealed(b.id(), java.util.Arrays.copyOfRange(f, (int) off, (int) off + len)));
            }
            lost.addAll(store.adoptSealed(intact).keySet());
            done += p.size();
            progress.update(done, total);
        }
        // Step 6: the partner's index files carry no super-features and no delta bookkeeping: rebuild them from
        // the payloads now local, so that the next versions of recovered data are stored as deltas again.
        store.rebuildDeltaIndex();
        return lost;
    }

    /** Names of the snapshots that reach any of {@code lost} (their restore is incomplete). */
    public static List<String> snapshotsReaching(Catalog catalog, Set<ChunkId> lost) throws IOException {
        if (lost.isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (PartnerCatalog.SnapshotRow s : catalog.transaction(PartnerCatalog::allSnapshots)) {
            if (catalog.transaction(tx -> PartnerCatalog.reaches(tx, s.root(), lost))) {
                out.add(s.name());
            }
        }
        return out;
    }
}
