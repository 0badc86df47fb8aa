package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.TreeFormatException;
import dev.pactfs.snapshot.TreeWalk;
import dev.pactfs.store.DeltaIndexRebuild;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.RemoteUnavailableException;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.SnapshotId;
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
 *   2. every index file: each blob's pack, offset, sizes, and delta edges -> chunks rows (no local payload yet,
 *      partner location set) and blob_children; every pack it names -> partner_packs. A pack whose index file is
 *      missing or damaged is indexed from its own trailer, its delta edges read from each chunk's opened frame
 *      (the key recomputes everything an index file holds);
 *   3. every snapshot record -> snapshots rows and partner_snapshots: of several records under one name the newest
 *      snapshot, then of several records of one stable id (a format-1 record's id is derived from its file name)
 *      the last written; parents by stable id (format 2) or by name (format 1), decision 0011;
 *   4. tree edges: never taken from index files. Every tree of every snapshot is read from the partner, opened
 *      and decoded (snapshot.TreeWalk), and its references recorded; then refcounts are recomputed from edges and
 *      snapshot roots (the invariant `check` verifies). A tree that cannot be read leaves the references below it
 *      unknown: the catalog is then marked unproven (store.GraphProof) and nothing is deleted until it is proven;
 *      every file that cannot be restored is named (snapshot:/path);
 *   5. payloads: eager by default (every pack read once, each blob verified by the store and appended to a local
 *      pack), so the new repo no longer depends on the partner; with lazy, reads fetch from the partner. A pack
 *      whose blobs all have a local payload already (records an interrupted recover left, which the rerun
 *      re-indexed after verifying them: ChunkStore.reuseLocalRecords) is not read at all.
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

    /**
     * What a recovery found.
     *
     * @param problems  what is wrong with the copy (missing or damaged files), one line each
     * @param notes     what was unusual but cost nothing (an index file rebuilt from its pack, an older record of
     *                  a snapshot name)
     * @param lostFiles every file the recovered repo cannot restore, "snapshot:/path"
     * @param proven    every tree of every snapshot was decoded: the reference graph is complete
     */
    public record Result(int packs, long blobs, int snapshots, List<String> problems, List<String> notes,
                         List<String> lostFiles, boolean proven) {
        public boolean complete() {
            return lostFiles.isEmpty() && problems.isEmpty();
        }
    }

    /** Repo id, chunk sizes and repo format kept at the partner, and the file they were read from. */
    public record RepoInfo(String repoId, int chunkMin, int chunkAvg, int chunkMax, int repoFormat, String file) {
    }

    /** Thrown when the key opens no repo-info file of the copy. */
    public static final class WrongKeyException extends PartnerCorruptException {
        private static final long serialVersionUID = 1L;

        WrongKeyException(String message) {
            super(message);
        }
    }

    /**
     * The copy's repo info, decrypted with {@code cipher}. A copy may hold more than one: a repo migrated to a
     * newer format publishes a new one, and the old one stays until a prune deletes it. The newest format wins
     * (a format only ever goes up); the manifest's choice, when there is one, is {@link #repoInfoNamed}.
     *
     * @throws WrongKeyException the key opens none (wrong key, or every copy of the info is damaged)
     */
    public static RepoInfo repoInfo(PartnerTarget target, BlobCipher cipher) throws IOException {
        return repoInfo(target, cipher, Integer.MAX_VALUE);
    }

    /**
     * As {@link #repoInfo(PartnerTarget, BlobCipher)}, stopping at the first info of format {@code newest} (no
     * info can say more; the listing may hold 100 000 index files, read one by one).
     */
    public static RepoInfo repoInfo(PartnerTarget target, BlobCipher cipher, int newest) throws IOException {
        int seen = 0;
        String lastProblem = null;
        RepoInfo best = null;
        for (String name : target.list(PartnerTarget.Kind.INDEX)) {
            byte[] f = target.load(PartnerTarget.Kind.INDEX, name);
            try {
                if (MetaFiles.kindOf(f, name) != Envelope.REPO_INFO) {
                    continue;
                }
                seen++;
                RepoInfo r = read(cipher, f, name);
                if (best == null || r.repoFormat() > best.repoFormat()) {
                    best = r;
                }
                if (best.repoFormat() >= newest) {
                    break;
                }
            } catch (PartnerCorruptException e) {
                lastProblem = e.getMessage();
            }
        }
        if (best != null) {
            return best;
        }
        if (seen == 0) {
            throw new PartnerCorruptException("partner copy " + target.location() + " holds no repo info"
                    + (lastProblem == null ? " (was anything ever replicated to it?)" : ": " + lastProblem));
        }
        throw new WrongKeyException("the key does not open the partner copy at " + target.location()
                + " (wrong key file or paper key, or the repo info is damaged: " + lastProblem + ")");
    }

    /** The repo info in file {@code name} (the one the copy's manifest names). */
    public static RepoInfo repoInfoNamed(PartnerTarget target, BlobCipher cipher, String name) throws IOException {
        return read(cipher, target.load(PartnerTarget.Kind.INDEX, name), name);
    }

    private static RepoInfo read(BlobCipher cipher, byte[] f, String name) throws PartnerCorruptException {
        MetaFiles.RepoInfo r = MetaFiles.readRepoInfo(cipher, f, "index/" + name);
        return new RepoInfo(r.repoId(), r.chunkMin(), r.chunkAvg(), r.chunkMax(), r.repoFormat(), name);
    }

    /**
     * Steps 2–4: indexes every blob and snapshot of the copy into the (new, empty) catalog of {@code store}, then
     * rebuilds every tree's references by decoding it (reading trees from the partner).
     */
    public static Result rebuildCatalog(ChunkStore store, PartnerTarget target, BlobCipher cipher) throws IOException {
        Catalog catalog = store.catalog();
        store.setRemoteFetcher(new PartnerFetcher(catalog, target));
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Set<String> packsAtPartner = new HashSet<>(target.list(PartnerTarget.Kind.PACK));
        Set<String> indexed = new HashSet<>();
        // Index files of missing packs go last: a blob can be in more than one pack (the old form of a chunk a
        // prune rewrote, a repack killed before it deleted the old pack), and a copy that is gone must not hide
        // one that is there. Of two copies in existing packs the first seen is kept, with its own delta edge.
        List<String> ofMissingPacks = new ArrayList<>();
        Set<ChunkId> unopenable = new HashSet<>();
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
                problems.add(e.getMessage() + " (its pack is read from its own trailer instead)");
                continue;
            }
            String pack = Envelope.hex(idx.packName());
            if (!packsAtPartner.contains(pack)) {
                problems.add("pack " + pack + " (named by index/" + name + ") is missing at the partner");
                ofMissingPacks.add(name);
                continue;
            }
            blobs += indexFromIndexFile(catalog, idx, name);
            indexed.add(pack);
        }
        // Packs without a usable index file: their own trailer, and the delta edges from the opened frames.
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
            notes.add("pack " + pack + " has no usable index file: indexed from the pack itself with the key");
            byte[] packName = HexFormat.of().parseHex(pack);
            Map<ChunkId, ChunkId> bases = deltaBases(cipher, f, entries, pack, unopenable, problems);
            catalog.transaction(tx -> {
                List<PartnerCatalog.Placed> placed = new ArrayList<>();
                for (PackFile.Entry e : entries) {
                    if (PartnerCatalog.find(tx, e.id()) != null) {
                        continue; // a copy in another pack came first
                    }
                    PartnerCatalog.insertRemote(tx, e.id(), e.kind(), e.plainSize(), e.length(), packName, e.offset());
                    ChunkId base = bases.get(e.id());
                    if (base != null) {
                        PartnerCatalog.insertEdges(tx, e.id(), Map.of(base, 1));
                    }
                    placed.add(new PartnerCatalog.Placed(e.id(), e.offset()));
                }
                PartnerCatalog.recordPack(tx, packName, f.length, new byte[32], placed);
                return null;
            });
            blobs += entries.size();
        }
        // Index files of missing packs: their blobs are known (and lost) unless a copy elsewhere was found.
        for (String name : ofMissingPacks) {
            blobs += indexFromIndexFile(catalog,
                    MetaFiles.readIndex(cipher, target.load(PartnerTarget.Kind.INDEX, name), "index/" + name), name);
        }
        List<RecordFile> superseded = new ArrayList<>();
        List<RecordFile> found = readSnapshotRecords(target, cipher, problems, notes, superseded);
        List<SnapshotRecord> snaps = found.stream().map(RecordFile::record).toList();
        catalog.transaction(tx -> {
            // Oldest first, so a parent is in before its children.
            Map<String, Snapshots.Row> byName = new HashMap<>();
            Map<SnapshotId, Snapshots.Row> byId = new HashMap<>();
            for (RecordFile f : found) {
                SnapshotRecord s = f.record();
                Snapshots.Row parent = s.parentId() != null ? byId.get(s.parentId())
                        : s.parent() != null ? byName.get(s.parent()) : null;
                Snapshots.New row = new Snapshots.New(f.stableId(), s.name(), s.timeMs(), s.host(), s.tagField(),
                        s.root(), parent == null ? null : parent.id(),
                        parent == null ? s.parentId() : parent.stableId(), parent == null ? s.parent() : parent.name());
                long id = Snapshots.insertRecovered(tx, row);
                Snapshots.Row inserted = Snapshots.byId(tx, id);
                byName.put(s.name(), inserted);
                byId.put(f.stableId(), inserted);
                PartnerCatalog.recordSnapshot(tx, id, f.file(), s.format());
            }
            // Superseded records stay at the partner until partner prune deletes them, as a forgotten snapshot's.
            for (RecordFile f : superseded) {
                PartnerCatalog.recordSupersededSnapshotFile(tx, f.file());
            }
            return null;
        });
        TreeWalk.Report walk = rebuildTreeEdges(store, snaps, id -> !unopenable.contains(id)
                && presentAt(catalog, id, packsAtPartner));
        catalog.transaction(tx -> {
            PartnerCatalog.recomputeRefcounts(tx);
            if (!walk.complete()) {
                GraphProof.markUnproven(tx, "recovered from a partner copy with " + walk.unreadableTrees().size()
                        + " unreadable directory listings");
            }
            dev.pactfs.store.SnapshotStats.startWindowNow(tx); // recovered blobs are no snapshot's new bytes
            return null;
        });
        if (!walk.missingChunks().isEmpty()) {
            problems.add(walk.missingChunks().size() + " file chunks are in no index or pack at the partner");
        }
        if (!walk.unreadableTrees().isEmpty()) {
            problems.add(walk.unreadableTrees().size() + " directory listings could not be read");
        }
        return new Result(packsAtPartner.size(), blobs, snaps.size(), problems, notes, walk.lostFiles(),
                walk.complete());
    }

    /**
     * Decodes every tree reachable from {@code snaps} and records its references: the truth an index file's edges
     * only summarise. Returns what the walk found, with every file that cannot be restored.
     */
    private static TreeWalk.Report rebuildTreeEdges(ChunkStore store, List<SnapshotRecord> snaps,
                                                    TreeWalk.Presence presence) throws IOException {
        Catalog catalog = store.catalog();
        List<TreeWalk.Root> roots = snaps.stream().map(s -> new TreeWalk.Root(s.name(), s.root())).toList();
        return TreeWalk.walk(store, roots, presence, (tree, refs) -> catalog.transaction(tx -> {
            PartnerCatalog.insertEdges(tx, tree, refs);
            return null;
        }), e -> e instanceof RemoteUnavailableException);
    }

    /** Whether {@code id} is indexed in a pack the partner holds (a lazy recovery reads it from there). */
    private static boolean presentAt(Catalog catalog, ChunkId id, Set<String> packsAtPartner) throws IOException {
        PartnerCatalog.PartnerLocation loc = catalog.transaction(tx -> PartnerCatalog.location(tx, id));
        return loc != null && packsAtPartner.contains(Envelope.hex(loc.pack()));
    }

    /**
     * Indexes the blobs of one index file that no pack seen before holds; returns how many it describes. Its
     * delta edges are taken with each blob it places (a tree's edges come from the decoded tree, never from
     * here).
     */
    private static long indexFromIndexFile(Catalog catalog, MetaFiles.Index idx, String name) throws IOException {
        byte[] indexName = HexFormat.of().parseHex(name);
        catalog.transaction(tx -> {
            List<PartnerCatalog.Placed> placed = new ArrayList<>();
            for (MetaFiles.IndexEntry e : idx.entries()) {
                if (PartnerCatalog.find(tx, e.id()) != null) {
                    continue; // a copy in another pack came first
                }
                PartnerCatalog.insertRemote(tx, e.id(), e.kind(), e.plainSize(), e.length(), idx.packName(), e.offset());
                if (e.kind() == BlobType.CHUNK.code && !e.children().isEmpty()) {
                    PartnerCatalog.insertEdges(tx, e.id(), e.children());
                }
                placed.add(new PartnerCatalog.Placed(e.id(), e.offset()));
            }
            PartnerCatalog.recordPack(tx, idx.packName(), idx.packSize(), indexName, placed);
            return null;
        });
        return idx.entries().size();
    }

    /**
     * The delta base of each chunk of a pack read without its index file: the first 33 bytes of an opened frame
     * (codec 2, then the base id). A blob that does not open is left to the payload fetch to report.
     */
    private static Map<ChunkId, ChunkId> deltaBases(BlobCipher cipher, byte[] pack, List<PackFile.Entry> entries,
                                                    String packName, Set<ChunkId> unopenable, List<String> problems) {
        Map<ChunkId, ChunkId> out = new HashMap<>();
        for (PackFile.Entry e : entries) {
            if (e.kind() != BlobType.CHUNK.code) {
                continue;
            }
            try {
                byte[] frame = cipher.open(BlobType.CHUNK, e.id().toBytes(), pack, (int) e.offset(), e.length());
                ChunkId base = DeltaIndexRebuild.deltaBase(frame);
                if (base != null) {
                    out.put(e.id(), base);
                }
            } catch (BlobCorruptException ex) {
                unopenable.add(e.id());
                problems.add("pack " + packName + ": blob " + e.id().shortHex() + " does not open: " + ex.getMessage());
            }
        }
        return out;
    }

    /**
     * The snapshot records of the copy, oldest first, one per snapshot. Of several records of one stable id (a
     * rename or re-tag not yet pruned, a replayed one), the one written last: format 2 carries when it was written,
     * a format-1 record counts as written at its snapshot's time. Then, of several snapshots under one name (a name
     * reused after a forget whose record prune has not yet deleted, or the old name of a renamed snapshot), the
     * newest snapshot. Stable ids first: two snapshots whose names were swapped leave, per name, an old record of
     * one and a new record of the other; settling names first would drop both records of one of them. With a
     * manifest only the records it lists get here ({@link ManifestRecovery#view}), one per snapshot.
     */
    private static List<RecordFile> readSnapshotRecords(PartnerTarget target, BlobCipher cipher,
                                                        List<String> problems, List<String> notes,
                                                        List<RecordFile> superseded) throws IOException {
        Map<SnapshotId, RecordFile> byId = new HashMap<>();
        for (String name : target.list(PartnerTarget.Kind.SNAPSHOT)) {
            byte[] f = target.load(PartnerTarget.Kind.SNAPSHOT, name);
            try {
                if (!Envelope.nameOf(f).equals(name)) {
                    throw new PartnerCorruptException("snapshots/" + name + ": content does not hash to its name");
                }
                SnapshotRecord s = SnapshotRecord.decode(MetaFiles.readSnapshot(cipher, f, "snapshots/" + name));
                RecordFile here = RecordFile.of(s, HexFormat.of().parseHex(name));
                RecordFile older = keepNewer(byId, here.stableId(), here, RecordFile.LATER_WRITTEN, superseded);
                if (older == null) {
                    continue;
                }
                RecordFile newer = byId.get(here.stableId());
                notes.add(older.written() == newer.written()
                        ? "two records of snapshot " + here.stableId() + " were written at the same time ('"
                                + older.record().name() + "', '" + newer.record().name() + "'): kept '"
                                + newer.record().name() + "' (no manifest says which is current)"
                        : "an older record of snapshot " + here.stableId() + " (as '" + older.record().name()
                                + "') is ignored; prune deletes it at the partner");
            } catch (PartnerCorruptException e) {
                problems.add(e.getMessage());
            } catch (TreeFormatException e) {
                problems.add("snapshots/" + name + ": " + e.getMessage());
            }
        }
        Map<String, RecordFile> byName = new HashMap<>();
        for (RecordFile here : byId.values()) {
            RecordFile older = keepNewer(byName, here.record().name(), here, RecordFile.NEWER_SNAPSHOT, superseded);
            if (older != null) {
                notes.add("an older snapshot named " + here.record().name() + " (taken at " + older.record().timeMs()
                        + " ms) is ignored; prune deletes its record at the partner");
            }
        }
        List<RecordFile> snaps = new ArrayList<>(byName.values());
        snaps.sort(Comparator.comparingLong((RecordFile f) -> f.record().timeMs())
                .thenComparing(f -> f.record().name()));
        return snaps;
    }

    /**
     * Keeps under {@code key} the greater by {@code order} of {@code here} and what {@code kept} holds there; returns
     * the other, added to {@code superseded}, or null when the key was free.
     */
    private static <K> RecordFile keepNewer(Map<K, RecordFile> kept, K key, RecordFile here,
                                            Comparator<RecordFile> order, List<RecordFile> superseded) {
        RecordFile prev = kept.putIfAbsent(key, here);
        if (prev == null) {
            return null;
        }
        RecordFile newer = order.compare(here, prev) > 0 ? here : prev;
        RecordFile older = newer == here ? prev : here;
        kept.put(key, newer);
        superseded.add(older);
        return older;
    }

    /**
     * A snapshot record, the name of the partner file that holds it, and its stable id (for format 1 the one
     * derived from that file name, as migration 10 derives it at home).
     */
    private record RecordFile(SnapshotRecord record, byte[] file, SnapshotId stableId) {
        /** By snapshot time, then write time, then file name: a total order, so every run picks alike. */
        static final Comparator<RecordFile> NEWER_SNAPSHOT = Comparator
                .comparingLong((RecordFile f) -> f.record().timeMs()).thenComparing(byWriteTime())
                .thenComparing(RecordFile::hex);
        /** By write time, then format, then file name. */
        static final Comparator<RecordFile> LATER_WRITTEN = byWriteTime().thenComparing(RecordFile::hex);

        private static Comparator<RecordFile> byWriteTime() {
            return Comparator.comparingLong(RecordFile::written).thenComparingInt(f -> f.record().format());
        }

        static RecordFile of(SnapshotRecord r, byte[] file) {
            return new RecordFile(r, file, r.id() != null ? r.id() : SnapshotId.derivedFrom(file));
        }

        /** When home wrote it: format 1 says nothing, so its snapshot's time (every format-2 record is later). */
        long written() {
            return record.format() == SnapshotRecord.FORMAT_1 ? record.timeMs() : record.writtenMs();
        }

        String hex() {
            return HexFormat.of().formatHex(file);
        }
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
            if (catalog.transaction(tx -> PartnerCatalog.withoutLocalPayload(tx, p.name())) == 0) {
                // Every blob already has its payload (reused from an interrupted recover): nothing to fetch.
                done += p.size();
                progress.update(done, total);
                continue;
            }
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

    /**
     * Every file of every snapshot of the catalog that cannot be restored once {@code lost} blobs are gone (a
     * pack missing or damaged at the partner, found by the payload fetch), by decoding the trees again: what the
     * recovered repo can and cannot restore, file by file. A tree that cannot be read marks the catalog unproven.
     */
    public static TreeWalk.Report restorable(ChunkStore store, Set<ChunkId> lost) throws IOException {
        Catalog catalog = store.catalog();
        List<TreeWalk.Root> roots = catalog.transaction(PartnerCatalog::allSnapshots).stream()
                .map(s -> new TreeWalk.Root(s.name(), s.root())).toList();
        TreeWalk.Report report = TreeWalk.walk(store, roots, id -> !lost.contains(id) && store.contains(id),
                (tree, refs) -> { }, e -> e instanceof RemoteUnavailableException);
        if (!report.complete()) {
            catalog.transaction(tx -> {
                GraphProof.markUnproven(tx, report.unreadableTrees().size() + " directory listings are unreadable");
                return null;
            });
        }
        return report;
    }
}
