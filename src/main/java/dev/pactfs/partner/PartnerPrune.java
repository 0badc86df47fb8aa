package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerHolds;
import dev.pactfs.store.PartnerObjects;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.TreeFormatException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Order, so that a crash anywhere leaves a complete copy, and so that the partner's newest manifest never names a
 * file that is gone (a recovery would report it lost, and miss the blobs moved to packs it does not name):
 *   1. a pack whose live fraction is under the threshold has its live blobs copied into a new pack (sealed bytes
 *      as they are: from the local payload when there is one, else from the old pack after checking its hash),
 *      the new pack and its index are published, and the catalog moves the blobs to it and forgets the old pack
 *      (one transaction). A pack with nothing live is just forgotten;
 *   2. the manifest step publishes a manifest of what home now holds at the partner: it names the new packs and
 *      no longer the old ones, nor the records of snapshots removed, renamed or re-tagged at home;
 *   3. only then are files deleted, and only those the manifest home last published does not name: retired
 *      snapshot records first (a record must never outlive its blobs), then the old packs' index files and packs.
 *      A retired record that is still the only description of a snapshot home has not published again (a rename
 *      whose new record waits for lost blobs to be re-sent) is kept until that snapshot's new record is out.
 * A crash after step 1 leaves old packs the catalog no longer knows: the next pass's orphan step deletes them
 * once its own manifest no longer names them (Replicator, step 3). A crash in step 3 leaves files no manifest
 * names: orphans again, or retired records the next prune deletes.
 * Packs holding the old (delta) form of a blob home rewrote in full, and that delta's base, are held until the
 * new form is at the partner; then the old form's pack is repacked first, the hold released after (a crash in
 * between repeats the repack of whatever is left, harmlessly).
 * A crash after publishing the new pack but before the catalog moved the blobs leaves an orphan that the next
 * replication pass deletes (its blobs have a location already); a crash before the old pack is deleted leaves a
 * pack with nothing live, deleted by the next prune.
 */

/** Prune at the partner: the hook the snapshot layer's {@code prune} calls after freeing blobs at home. */
public final class PartnerPrune {

    private static final Logger log = LoggerFactory.getLogger(PartnerPrune.class);

    /** Default: packs with less than this fraction of live bytes are repacked. */
    public static final double DEFAULT_MIN_LIVE_FRACTION = 0.75;

    private PartnerPrune() {
    }

    /** What a prune did. */
    public record Result(int packsRepacked, int packsDeleted, int snapshotRecordsDeleted, long bytesFreed) {
    }

    /** Publishes a manifest of what home holds at the partner now (step 2); the replicator's manifest publisher. */
    @FunctionalInterface
    public interface ManifestStep {
        void publish() throws IOException;
    }

    /** A pack forgotten at home in step 1, deleted at the partner in step 3. */
    private record Doomed(String pack, String index, long size) {
    }

    /**
     * Deletes the partner record files of snapshots that no longer exist at home as recorded (removed, renamed,
     * re-tagged, or superseded), each forgotten at home once deleted; returns how many. Only from {@link #run},
     * after GraphProof and after the manifest step: a file the manifest home last published still names is kept
     * (the step did not publish: another writer, or the copy lost files), and so is a retired record that
     * describes a snapshot home still has but has not published again (same time and root: a rename or re-tag
     * whose new record waits), since it is the partner's only description of that snapshot. Replication does not
     * need them gone: the manifest names only live records (decision 0008).
     */
    private static int deleteRetiredRecords(Catalog catalog, BlobCipher cipher, PartnerTarget target,
                                            Set<String> named) throws IOException {
        List<PartnerCatalog.SnapshotRow> waiting = catalog.transaction(PartnerCatalog::unreplicatedSnapshots);
        int n = 0;
        for (Map.Entry<Long, byte[]> e : catalog.transaction(PartnerCatalog::forgottenSnapshotFiles).entrySet()) {
            String file = HexFormat.of().formatHex(e.getValue());
            if (named.contains(file) || describesWaiting(cipher, target, file, waiting)) {
                continue;
            }
            target.delete(PartnerTarget.Kind.SNAPSHOT, file);
            catalog.transaction(tx -> {
                PartnerCatalog.forgetSnapshotFile(tx, e.getKey());
                return null;
            });
            n++;
        }
        return n;
    }

    /** Deletes the repo-info files a migration replaced (Replicator step 2), once no manifest names them. */
    private static void deleteRetiredRepoInfo(Catalog catalog, PartnerTarget target, Set<String> named)
            throws IOException {
        String old = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO_RETIRED));
        String current = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO));
        if (old == null) {
            return;
        }
        List<String> kept = new ArrayList<>();
        for (String name : old.split(",")) {
            if (named.contains(name) || name.equals(current)) {
                kept.add(name);
                continue;
            }
            target.delete(PartnerTarget.Kind.INDEX, name);
            log.info("prune: deleted the partner repo info {} a migration replaced", name);
        }
        catalog.transaction(tx -> {
            PartnerCatalog.setMeta(tx, Replicator.META_REPO_INFO_RETIRED, kept.isEmpty() ? null : String.join(",", kept));
            return null;
        });
    }

    /**
     * Whether record file {@code file} describes one of the snapshots home has not published a record of (same
     * time and root). A file that does not read is kept too: what it describes cannot be known.
     */
    private static boolean describesWaiting(BlobCipher cipher, PartnerTarget target, String file,
                                            List<PartnerCatalog.SnapshotRow> waiting) throws IOException {
        if (waiting.isEmpty()) {
            return false;
        }
        SnapshotRecord r;
        try {
            r = SnapshotRecord.decode(MetaFiles.readSnapshot(cipher,
                    target.load(PartnerTarget.Kind.SNAPSHOT, file), "snapshots/" + file));
        } catch (PartnerCorruptException | TreeFormatException e) {
            log.warn("prune: retired partner snapshot record {} is unreadable, kept: {}", file, e.getMessage());
            return true;
        } catch (IOException e) {
            if (PartnerTarget.isNotFound(e)) {
                return false; // already gone: forget it
            }
            throw e;
        }
        for (PartnerCatalog.SnapshotRow w : waiting) {
            if (w.timeMs() == r.timeMs() && w.root().equals(r.root())) {
                log.info("prune: keeping retired partner record {} of snapshot '{}' until its new record is published",
                        file, w.name());
                return true;
            }
        }
        return false;
    }

    /**
     * Prunes the copy behind {@code target} (use the replicator's guarded target: no write without ownership).
     * Run it when no replication pass runs (the daemon calls it on its replicator thread, or with the repo
     * unmounted). {@code manifest} is step 2 (see above); nothing is deleted before it ran.
     */
    public static Result run(ChunkStore store, BlobCipher cipher, PartnerTarget target, double minLiveFraction,
                             long packTargetBytes, ManifestStep manifest) throws IOException {
        Catalog catalog = store.catalog();
        GraphProof.requireProven(catalog, "prune the partner copy");
        SecureRandom random = new SecureRandom();
        int[] counts = new int[2]; // repacked, deleted
        List<Doomed> doomed = new ArrayList<>();
        // Blobs home rewrote in full (a delta whose base was freed): once the new form is at the partner, the
        // pack holding the old form is repacked without it whatever its live fraction, and only then is the
        // hold on the base's pack released. Until then, neither pack is touched (see store.PartnerHolds).
        Map<String, PartnerCatalog.PartnerPack> byName = new java.util.HashMap<>();
        for (PartnerCatalog.PartnerPack p : catalog.transaction(PartnerCatalog::packs)) {
            byName.put(HexFormat.of().formatHex(p.name()), p);
        }
        java.util.Set<String> stillNeeded = packsOf(catalog.transaction(PartnerHolds::unresolved));
        for (PartnerHolds.Hold h : catalog.transaction(PartnerHolds::resolved)) {
            String old = HexFormat.of().formatHex(h.oldPack());
            if (stillNeeded.contains(old)) {
                continue; // another rewritten blob's old form or base is in there too: later
            }
            PartnerCatalog.PartnerPack p = byName.remove(old);
            if (p != null) {
                doomed.add(dropPack(catalog, cipher, store, target, random, p, counts));
            }
            catalog.transaction(tx -> {
                PartnerHolds.release(tx, h.id());
                return null;
            });
        }
        java.util.Set<String> held = packsOf(catalog.transaction(PartnerHolds::all));
        for (PartnerCatalog.PartnerPack p : catalog.transaction(PartnerCatalog::packs)) {
            if (p.liveBytes() >= minLiveFraction * p.size() || held.contains(HexFormat.of().formatHex(p.name()))) {
                continue;
            }
            doomed.add(dropPack(catalog, cipher, store, target, random, p, counts));
        }
        manifest.publish();
        Set<String> named = catalog.transaction(PartnerObjects::all).keySet();
        int snaps = deleteRetiredRecords(catalog, cipher, target, named);
        deleteRetiredRepoInfo(catalog, target, named);
        long freed = 0;
        for (Doomed d : doomed) {
            if (named.contains(d.pack()) || named.contains(d.index())) {
                log.info("prune: partner pack {} is still named by the last manifest; the next pass deletes it", d.pack());
                continue;
            }
            target.delete(PartnerTarget.Kind.INDEX, d.index());
            target.delete(PartnerTarget.Kind.PACK, d.pack());
            freed += d.size();
        }
        return new Result(counts[0], counts[1], snaps, freed);
    }

    private static java.util.Set<String> packsOf(List<PartnerHolds.Hold> holds) {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (PartnerHolds.Hold h : holds) {
            out.add(HexFormat.of().formatHex(h.oldPack()));
            if (h.basePack() != null) {
                out.add(HexFormat.of().formatHex(h.basePack()));
            }
        }
        return out;
    }

    /**
     * Replaces pack {@code p} by a new pack of its live blobs (none: nothing to copy) and forgets it at home; the
     * files are deleted in step 3. Counts into {@code counts} (repacked, deleted).
     */
    private static Doomed dropPack(Catalog catalog, BlobCipher cipher, ChunkStore store, PartnerTarget target,
                                 SecureRandom random, PartnerCatalog.PartnerPack p, int[] counts) throws IOException {
        String oldName = HexFormat.of().formatHex(p.name());
        List<PartnerCatalog.PartnerLocationOf> live = catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, p.name()));
        if (!live.isEmpty()) {
            byte[] old = null;
            List<PackFile.Blob> blobs = new ArrayList<>();
            for (PartnerCatalog.PartnerLocationOf b : live) {
                byte[] sealed = store.readSealed(b.id());
                if (sealed == null) {
                    if (old == null) {
                        old = target.load(PartnerTarget.Kind.PACK, oldName);
                        if (!Envelope.nameOf(old).equals(oldName)) {
                            throw new PartnerCorruptException("pack " + oldName + " is damaged at the partner;"
                                    + " not repacking it (run audit, then replicate after re-fetching)");
                        }
                    }
                    int off = (int) b.location().offset();
                    sealed = java.util.Arrays.copyOfRange(old, off, off + b.location().storedSize());
                }
                blobs.add(new PackFile.Blob(b.id(), b.location().kind(), b.location().plainSize(), sealed));
            }
            publish(catalog, cipher, target, random, blobs);
            counts[0]++;
        } else {
            counts[1]++;
        }
        catalog.transaction(tx -> {
            PartnerCatalog.forgetPack(tx, p.name());
            return null;
        });
        return new Doomed(oldName, HexFormat.of().formatHex(p.indexName()), p.size());
    }

    private static void publish(Catalog catalog, BlobCipher cipher, PartnerTarget target, SecureRandom random,
                                List<PackFile.Blob> blobs) throws IOException {
        PackFile.Built pack = PackFile.build(cipher, blobs, random);
        PackFile.verifyBuilt(cipher, pack, blobs);
        byte[] packName = HexFormat.of().parseHex(pack.name());
        List<MetaFiles.IndexEntry> entries = new ArrayList<>();
        catalog.transaction(tx -> {
            for (PackFile.Entry e : pack.entries()) {
                Map<ChunkId, Integer> ch = PartnerCatalog.children(tx, e.id()) /* trees: entries; delta chunks: their base */;
                entries.add(new MetaFiles.IndexEntry(e.id(), e.kind(), e.offset(), e.length(), e.plainSize(), ch));
            }
            return null;
        });
        MetaFiles.Built index = MetaFiles.index(cipher, random, new MetaFiles.Index(packName, pack.bytes().length, entries));
        MetaFiles.readIndex(cipher, index.bytes(), "new index " + index.name());
        target.save(PartnerTarget.Kind.PACK, pack.name(), pack.bytes());
        target.save(PartnerTarget.Kind.INDEX, index.name(), index.bytes());
        byte[] indexName = HexFormat.of().parseHex(index.name());
        List<PartnerCatalog.Placed> placed = pack.entries().stream()
                .map(e -> new PartnerCatalog.Placed(e.id(), e.offset())).toList();
        catalog.transaction(tx -> {
            PartnerCatalog.recordPack(tx, packName, pack.bytes().length, indexName, placed);
            return null;
        });
    }
}
