package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerHolds;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/*
 * Order, so that a crash anywhere leaves a complete copy:
 *   1. snapshot records of forgotten snapshots are deleted first (a record must never outlive its blobs);
 *   2. a pack whose live fraction is under the threshold has its live blobs copied into a new pack (sealed bytes
 *      as they are: from the local payload when there is one, else from the old pack after checking its hash),
 *      the new pack and its index are published, the catalog moves the blobs to it, and only then are the old
 *      index file and pack deleted. A pack with nothing live is just deleted (index first).
 * Packs holding the old (delta) form of a blob home rewrote in full, and that delta's base, are held until the
 * new form is at the partner; then the old form's pack is repacked first, the hold released after (a crash in
 * between repeats the repack of whatever is left, harmlessly).
 * A crash after publishing the new pack but before the catalog moved the blobs leaves an orphan that the next
 * replication pass deletes (its blobs have a location already); a crash before the old pack is deleted leaves a
 * pack with nothing live, deleted by the next prune.
 */

/** Prune at the partner: the hook the snapshot layer's {@code prune} calls after freeing blobs at home. */
public final class PartnerPrune {

    /** Default: packs with less than this fraction of live bytes are repacked. */
    public static final double DEFAULT_MIN_LIVE_FRACTION = 0.75;

    private PartnerPrune() {
    }

    /** What a prune did. */
    public record Result(int packsRepacked, int packsDeleted, int snapshotRecordsDeleted, long bytesFreed) {
    }

    /**
     * Deletes the partner record files of snapshots that no longer exist at home as recorded (removed, renamed,
     * re-tagged, or superseded), each forgotten at home once deleted; returns how many. Only from {@link #run},
     * after GraphProof: a retired file may be the partner's only description of a snapshot whose new record is not
     * published yet, or, in a repo recovered from a damaged copy, an older record the newer one replaced unproven.
     * Replication does not need it gone: the manifest names only live records (decision 0008).
     */
    private static int deleteRetiredRecords(Catalog catalog, PartnerTarget target) throws IOException {
        int n = 0;
        for (Map.Entry<Long, byte[]> e : catalog.transaction(PartnerCatalog::forgottenSnapshotFiles).entrySet()) {
            target.delete(PartnerTarget.Kind.SNAPSHOT, HexFormat.of().formatHex(e.getValue()));
            catalog.transaction(tx -> {
                PartnerCatalog.forgetSnapshotFile(tx, e.getKey());
                return null;
            });
            n++;
        }
        return n;
    }

    /**
     * Prunes the copy behind {@code target} (use the replicator's guarded target: no write without ownership).
     * Run it when no replication pass runs (the daemon calls it on its replicator thread, or with the repo
     * unmounted).
     */
    public static Result run(ChunkStore store, BlobCipher cipher, PartnerTarget target, double minLiveFraction,
                             long packTargetBytes) throws IOException {
        Catalog catalog = store.catalog();
        GraphProof.requireProven(catalog, "prune the partner copy");
        SecureRandom random = new SecureRandom();
        int snaps = deleteRetiredRecords(catalog, target);
        int[] counts = new int[2]; // repacked, deleted
        long freed = 0;
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
                freed += dropPack(catalog, cipher, store, target, random, p, counts);
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
            freed += dropPack(catalog, cipher, store, target, random, p, counts);
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
     * Replaces pack {@code p} by a new pack of its live blobs (none: just deletes it), then deletes it and its
     * index file. Counts into {@code counts} (repacked, deleted); returns the old pack's size.
     */
    private static long dropPack(Catalog catalog, BlobCipher cipher, ChunkStore store, PartnerTarget target,
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
        target.delete(PartnerTarget.Kind.INDEX, HexFormat.of().formatHex(p.indexName()));
        target.delete(PartnerTarget.Kind.PACK, oldName);
        catalog.transaction(tx -> {
            PartnerCatalog.forgetPack(tx, p.name());
            return null;
        });
        return p.size();
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
