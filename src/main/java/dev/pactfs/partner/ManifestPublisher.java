package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The end of a replication pass: what home believes the partner holds (every pack, index, repo-info and live
 * snapshot-record file home published) is compared with the set the last manifest named (partner_objects); if
 * anything changed, or nothing was ever published, manifest seq+1 goes out: a delta (added/removed) against the
 * previous one, or a checkpoint (the full list) when the deltas since the last checkpoint, this one included,
 * would hold more entries than a quarter of a full list. A reader thus reads at most 1.25 full lists, and a pass
 * that adds one pack writes a few hundred bytes, not the list of 100 000 files.
 *
 * Order, as for packs: durable at the partner strictly before recorded at home. A crash between leaves a manifest
 * home does not know: the next pass sees "another writer" (the partner's newest is above home's number) and says
 * so; that is the price of never recording what the partner may not have.
 */

/** Publishes the copy's signed manifest at the end of a pass; keeps home's record of it. */
final class ManifestPublisher {

    private static final Logger log = LoggerFactory.getLogger(ManifestPublisher.class);

    static final String META_SEQ = "partner.manifest.seq";
    static final String META_NAME = "partner.manifest.name";
    static final String META_TIME = "partner.manifest.time_ms";
    /** Delta entries written since the newest checkpoint. */
    static final String META_CHAIN = "partner.manifest.chain_entries";
    /** A checkpoint once the chain's entries exceed 1/CHECKPOINT_DIVISOR of a full list. */
    static final int CHECKPOINT_DIVISOR = 4;

    /** What was published. */
    record Published(long seq, String name, boolean checkpoint, int bytes, int added, int removed) {
    }

    /** Home's record of the last manifest it published (seq 0: none). */
    record Last(long seq, String name, long timeMs, long chainEntries) {
    }

    private final Catalog catalog;
    private final BlobCipher cipher;
    private final ManifestKey key;
    private final PartnerTarget target;
    private final String repoId;
    private final SecureRandom random;

    ManifestPublisher(Catalog catalog, BlobCipher cipher, ManifestKey key, PartnerTarget target, String repoId,
                      SecureRandom random) {
        this.catalog = catalog;
        this.cipher = cipher;
        this.key = key;
        this.target = target;
        this.repoId = repoId;
        this.random = random;
    }

    static Last last(Catalog catalog) throws IOException {
        return catalog.transaction(tx -> {
            String seq = PartnerCatalog.meta(tx, META_SEQ);
            String time = PartnerCatalog.meta(tx, META_TIME);
            String chain = PartnerCatalog.meta(tx, META_CHAIN);
            return new Last(seq == null ? 0 : Long.parseLong(seq), PartnerCatalog.meta(tx, META_NAME),
                    time == null ? 0 : Long.parseLong(time), chain == null ? 0 : Long.parseLong(chain));
        });
    }

    /**
     * Outside a pass (around a prune, which deletes files): lists the copy without repairing (that is the next
     * pass's job) and publishes a manifest unless another writer is there.
     */
    static void publishChecked(Catalog catalog, BlobCipher cipher, ManifestKey key, PartnerTarget target,
                               String repoId) throws IOException {
        PartnerCheck.Report check = PartnerCheck.run(catalog, cipher, key, target, false);
        if (!check.blockPublish()) {
            new ManifestPublisher(catalog, cipher, key, target, repoId, new SecureRandom()).publish(check.forceCheckpoint());
        }
    }

    /** Names of every file home believes the partner holds (no sizes, no partner I/O). */
    static java.util.Set<String> liveNames(Catalog catalog) throws IOException {
        java.util.Set<String> out = new java.util.HashSet<>();
        String info = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO));
        if (info != null) {
            out.add(info);
        }
        for (PartnerObjects.Pack p : catalog.transaction(PartnerObjects::packs)) {
            out.add(p.name());
            if (p.index() != null) {
                out.add(p.index());
            }
        }
        for (PartnerObjects.Record r : catalog.transaction(PartnerObjects::liveRecords)) {
            out.add(r.file());
        }
        return out;
    }

    /**
     * Publishes manifest seq+1 when the set changed, none was published yet, or {@code forceCheckpoint} (home's
     * last manifest is not at the partner). Returns null when nothing needed publishing.
     */
    Published publish(boolean forceCheckpoint) throws IOException {
        Last last = last(catalog);
        Map<String, PartnerObjects.Obj> known = catalog.transaction(PartnerObjects::all);
        List<PartnerObjects.Record> records = catalog.transaction(PartnerObjects::liveRecords);
        SortedMap<String, Manifest.Obj> live = liveSet(known, records);
        List<Manifest.Obj> added = new ArrayList<>();
        List<Manifest.Obj> removed = new ArrayList<>();
        for (Manifest.Obj o : live.values()) {
            PartnerObjects.Obj k = known.get(o.name());
            if (k == null || k.size() != o.size()) {
                added.add(o);
            }
        }
        for (PartnerObjects.Obj k : known.values()) {
            Manifest.Obj o = live.get(k.name());
            if (o == null || o.size() != k.size()) {
                removed.add(new Manifest.Obj(k.kind(), k.name(), k.size()));
            }
        }
        if (last.seq() > 0 && !forceCheckpoint && added.isEmpty() && removed.isEmpty()) {
            return null;
        }
        long chain = last.chainEntries() + added.size() + removed.size();
        boolean checkpoint = last.seq() == 0 || forceCheckpoint || chain * CHECKPOINT_DIVISOR > live.size();
        List<Manifest.Record> recs = records.stream()
                .map(r -> new Manifest.Record(r.file(), r.name(), r.timeMs())).toList();
        Manifest.Body body = checkpoint
                ? new Manifest.Body(Manifest.CHECKPOINT, recs, new ArrayList<>(live.values()), List.of(), List.of())
                : new Manifest.Body(Manifest.DELTA, recs, List.of(), removed, added);
        long seq = last.seq() + 1;
        long now = System.currentTimeMillis();
        long bytes = live.values().stream().mapToLong(Manifest.Obj::size).sum();
        Manifest.Built built = Manifest.write(cipher, key, random, repoId, seq, now,
                last.seq() == 0 || last.name() == null ? Manifest.NO_PREV : last.name(), Manifest.root(live.values()),
                live.size(), bytes, body);
        // Parse back before publishing, as for packs: a manifest that does not read is never written.
        Manifest.Signed back = Manifest.readHeader(built.bytes(), built.name(), key.publicKey(), true);
        Manifest.readBody(cipher, built.bytes(), back);
        // Asked right before publishing (a second home may have published since the pass began): a host that
        // enforces the chain would refuse this manifest anyway; saying why in one line is better than a bare 409.
        ManifestHead head = target.manifestHead();
        String fork = head == null ? null : PartnerCheck.forkAtHost(head, last);
        if (fork != null) {
            throw new PartnerCorruptException(fork);
        }
        target.save(PartnerTarget.Kind.MANIFEST, built.name(), built.bytes());
        List<PartnerObjects.Obj> add = added.stream().map(o -> new PartnerObjects.Obj(o.name(), o.kind(), o.size())).toList();
        List<PartnerObjects.Obj> rem = removed.stream().map(o -> new PartnerObjects.Obj(o.name(), o.kind(), o.size())).toList();
        long newChain = checkpoint ? 0 : chain;
        catalog.transaction(tx -> {
            PartnerObjects.apply(tx, add, rem);
            // Every added file was stat'ed just now with the size home recorded: the latest listing holds it.
            PartnerObjects.addListed(tx, add.stream().map(PartnerObjects.Obj::name).toList());
            PartnerCatalog.setMeta(tx, META_SEQ, Long.toString(seq));
            PartnerCatalog.setMeta(tx, META_NAME, built.name());
            PartnerCatalog.setMeta(tx, META_TIME, Long.toString(now));
            PartnerCatalog.setMeta(tx, META_CHAIN, Long.toString(newChain));
            return null;
        });
        log.info("published partner manifest {} ({}, {} files, {} added, {} removed, {} bytes)", seq,
                checkpoint ? "checkpoint" : "delta", live.size(), added.size(), removed.size(), built.bytes().length);
        if (checkpoint) {
            dropManifestsBefore(seq);
        }
        return new Published(seq, built.name(), checkpoint, built.bytes().length, added.size(), removed.size());
    }

    /**
     * What home believes the partner holds. Sizes come from the last manifest's set or (packs) from home's
     * record of the upload; a file new since the last manifest is stat'ed at the partner, which also proves it
     * is there (a pack whose size differs from the one uploaded fails the pass).
     */
    private SortedMap<String, Manifest.Obj> liveSet(Map<String, PartnerObjects.Obj> known,
                                                    List<PartnerObjects.Record> records) throws IOException {
        SortedMap<String, Manifest.Obj> live = new TreeMap<>();
        String info = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO));
        if (info != null) {
            put(live, known, 'R', PartnerTarget.Kind.INDEX, info, -1);
        }
        for (PartnerObjects.Pack p : catalog.transaction(PartnerObjects::packs)) {
            put(live, known, 'P', PartnerTarget.Kind.PACK, p.name(), p.size());
            if (p.index() != null) {
                put(live, known, 'I', PartnerTarget.Kind.INDEX, p.index(), -1);
            }
        }
        for (PartnerObjects.Record r : records) {
            put(live, known, 'S', PartnerTarget.Kind.SNAPSHOT, r.file(), -1);
        }
        return live;
    }

    private void put(SortedMap<String, Manifest.Obj> live, Map<String, PartnerObjects.Obj> known, char kind,
                     PartnerTarget.Kind where, String name, long recorded) throws IOException {
        PartnerObjects.Obj k = known.get(name);
        long size;
        if (k != null && (recorded < 0 || k.size() == recorded)) {
            size = k.size();
        } else {
            try {
                size = target.stat(where, name);
            } catch (IOException e) {
                if (PartnerTarget.isNotFound(e)) {
                    throw new PartnerCorruptException("partner lost " + where.name().toLowerCase(java.util.Locale.ROOT)
                            + " file " + name + " during the pass; no manifest published (the next pass re-sends it)");
                }
                throw e;
            }
            if (recorded >= 0 && size != recorded) {
                throw new PartnerCorruptException("partner pack " + name + " is " + size + " bytes, uploaded "
                        + recorded + "; no manifest published (the next pass re-sends it)");
            }
        }
        live.put(name, new Manifest.Obj(kind, name, size));
    }

    /** After checkpoint {@code seq}: older manifests of this key are no longer needed to read the copy. */
    private void dropManifestsBefore(long seq) throws IOException {
        ManifestChain.State s = ManifestChain.read(target, key.publicKey(), null);
        for (Manifest.Signed m : s.valid()) {
            if (m.header().seq() < seq) {
                target.delete(PartnerTarget.Kind.MANIFEST, m.name());
            }
        }
    }
}
