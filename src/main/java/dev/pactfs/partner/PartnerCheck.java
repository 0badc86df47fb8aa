package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * The start of every replication pass (and `audit`): the partner is listed (names and sizes) and compared with
 * what home recorded publishing there, and its manifests with the last one home wrote:
 *   - a file home published that is missing, or has another size, is reported; with repair, what home still has
 *     is made to go again: a pack's partner location is cleared (its blobs become pending), an index file is
 *     rebuilt from the catalog, a snapshot record or the repo info is re-published. Blobs held only in a lost
 *     pack are reported as lost.
 *   - the partner's newest manifest older than home's (or none, when home wrote one): rolled back. The pass
 *     re-sends what is missing and publishes a checkpoint numbered after home's.
 *   - newer than home's, another manifest under home's number, or two with one number: another writer (a fork).
 *     Reported, and no manifest is published until a human sorts it out: merging two histories is not ours to do.
 *   - a manifest that does not verify under the repo's key: forged or damaged; reported, ignored.
 * Files at the partner that home did not publish (a replayed old record, an orphan pack) are listed as extras.
 */

/** Lists the partner copy against home's records and manifest; optionally repairs. */
final class PartnerCheck {

    private static final Logger log = LoggerFactory.getLogger(PartnerCheck.class);

    /** Catalog meta: "<ms> ok" or "<ms> <problems>" of the last check, for status and eviction. */
    static final String META_RESULT = "partner.check";

    /**
     * What a check found.
     *
     * @param problems        each difference, one line each; empty: the partner matched
     * @param extras          files at the partner that home did not publish
     * @param lostBlobs       blobs whose only copy was in a pack the partner lost
     * @param forceCheckpoint home's last manifest is not at the partner: the next one must be a checkpoint
     * @param blockPublish    another writer: publish no manifest
     * @param partnerSeq      the partner's newest valid manifest (0: none)
     */
    record Report(List<String> problems, List<String> extras, long lostBlobs, boolean forceCheckpoint,
                  boolean blockPublish, long partnerSeq) {
        boolean matched() {
            return problems.isEmpty();
        }
    }

    private PartnerCheck() {
    }

    static Report run(Catalog catalog, BlobCipher cipher, ManifestKey key, PartnerTarget target, boolean repair)
            throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> extras = new ArrayList<>();
        Map<PartnerTarget.Kind, SortedMap<String, Long>> listing = new HashMap<>();
        for (PartnerTarget.Kind k : List.of(PartnerTarget.Kind.PACK, PartnerTarget.Kind.INDEX, PartnerTarget.Kind.SNAPSHOT)) {
            listing.put(k, target.sizes(k));
        }
        Map<String, PartnerObjects.Obj> known = catalog.transaction(PartnerObjects::all);
        List<String> listed = new ArrayList<>();
        java.util.Set<String> expected = new java.util.HashSet<>();
        long[] lost = {0};
        SortedMap<String, Long> packs = listing.get(PartnerTarget.Kind.PACK);
        SortedMap<String, Long> index = listing.get(PartnerTarget.Kind.INDEX);
        SortedMap<String, Long> snaps = listing.get(PartnerTarget.Kind.SNAPSHOT);
        for (PartnerObjects.Pack p : catalog.transaction(PartnerObjects::packs)) {
            expected.add(p.name());
            if (p.index() != null) {
                expected.add(p.index());
            }
            String why = differs(packs, p.name(), p.size());
            if (why != null) {
                long only = catalog.transaction(tx -> PartnerObjects.blobsOnlyAtPartner(tx, p.name()));
                long blobs = catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, HexFormat.of().parseHex(p.name()))).size();
                problems.add("pack " + p.name() + " " + why + ": " + (blobs - only) + " blobs to re-send from home"
                        + (only > 0 ? ", " + only + " LOST (no copy left at home)" : ""));
                lost[0] += only;
                if (repair) {
                    if (packs.containsKey(p.name())) {
                        target.delete(PartnerTarget.Kind.PACK, p.name());
                    }
                    if (p.index() != null) {
                        target.delete(PartnerTarget.Kind.INDEX, p.index());
                    }
                    catalog.transaction(tx -> {
                        PartnerCatalog.forgetPack(tx, HexFormat.of().parseHex(p.name()));
                        return null;
                    });
                }
                continue;
            }
            listed.add(p.name());
            String idxWhy = p.index() == null ? "is missing" : differs(index, p.index(), size(known, p.index()));
            if (idxWhy != null) {
                problems.add("index file " + (p.index() == null ? "of pack " + p.name() : p.index()) + " " + idxWhy
                        + (repair ? ": re-published from home's catalog" : ""));
                if (repair) {
                    republishIndex(catalog, cipher, target, p);
                }
            } else {
                listed.add(p.index());
            }
        }
        String info = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO));
        if (info != null) {
            expected.add(info);
            String why = differs(index, info, size(known, info));
            if (why != null) {
                problems.add("repo info " + info + " " + why + (repair ? ": re-published" : ""));
                if (repair) {
                    target.delete(PartnerTarget.Kind.INDEX, info);
                    catalog.transaction(tx -> {
                        PartnerCatalog.setMeta(tx, Replicator.META_REPO_INFO, null);
                        return null;
                    });
                }
            } else {
                listed.add(info);
            }
        }
        for (PartnerObjects.Record r : catalog.transaction(PartnerObjects::liveRecords)) {
            expected.add(r.file());
            String why = differs(snaps, r.file(), size(known, r.file()));
            if (why != null) {
                problems.add("snapshot record " + r.file() + " (" + r.name() + ") " + why + (repair ? ": re-published" : ""));
                if (repair) {
                    if (snaps.containsKey(r.file())) {
                        target.delete(PartnerTarget.Kind.SNAPSHOT, r.file());
                    }
                    catalog.transaction(tx -> {
                        PartnerCatalog.forgetSnapshotFile(tx, r.snapshotId());
                        return null;
                    });
                }
            } else {
                listed.add(r.file());
            }
        }
        for (Map.Entry<PartnerTarget.Kind, SortedMap<String, Long>> e : listing.entrySet()) {
            for (String n : e.getValue().keySet()) {
                if (!expected.contains(n)) {
                    extras.add(e.getKey().name().toLowerCase(java.util.Locale.ROOT) + " " + n);
                }
            }
        }
        // Manifests: the partner's newest against the last one home wrote.
        ManifestPublisher.Last home = ManifestPublisher.last(catalog);
        ManifestChain.State st = ManifestChain.read(target, key.publicKey(), null);
        boolean force = false;
        boolean block = false;
        for (String f : st.forged()) {
            problems.add("manifest rejected: " + f + (repair ? ": deleted" : ""));
        }
        if (repair) {
            // Not ours (or no longer readable): reported once, then removed, so later passes can match again.
            for (String n : st.forgedNames()) {
                target.delete(PartnerTarget.Kind.MANIFEST, n);
            }
        }
        if (st.forked()) {
            problems.addAll(st.forks());
            block = true;
        } else if (st.newest() == null) {
            if (home.seq() > 0) {
                problems.add("no manifest at the partner, home wrote sequence " + home.seq()
                        + ": the copy was rolled back or its manifests deleted");
                force = true;
            }
        } else {
            Manifest.Header h = st.newest().header();
            if (h.seq() < home.seq()) {
                problems.add("partner copy ROLLED BACK: its newest manifest is sequence " + h.seq() + " of "
                        + Instant.ofEpochMilli(h.timeMs()) + ", home wrote sequence " + home.seq());
                force = true;
            } else if (h.seq() == home.seq() + 1 && adoptUnrecorded(catalog, cipher, key, target, home, h)) {
                log.info("adopted partner manifest {}: published by a pass that stopped before recording it", h.seq());
            } else if (h.seq() > home.seq() || !st.newest().name().equals(home.name())) {
                problems.add("FORK (another writer): the partner's newest manifest is sequence " + h.seq() + " ("
                        + st.newest().name() + "), home wrote sequence " + home.seq()
                        + (home.name() == null ? "" : " (" + home.name() + ")") + ": home was rolled back or a second"
                        + " home writes this copy; no manifest published until resolved");
                block = true;
            }
        }
        // A host that enforces the chain has its own head: the one authority on what comes next. Home publishes only
        // right after it; a head ahead of home's is a fork (home rolled back, or a second home on this copy), and a
        // head behind home's means the host lost its state. Neither is "fixed" by publishing over it.
        ManifestHead head = block ? null : target.manifestHead();
        if (head != null && head.seq() > 0) {
            ManifestPublisher.Last now = ManifestPublisher.last(catalog); // an adoption above may have moved it
            if (repair && head.seq() + 1 == now.seq() && now.name() != null
                    && st.valid().stream().anyMatch(m -> m.name().equals(now.name()))) {
                // The host stored home's last manifest but stopped before moving its head (or home adopted it
                // above): sending the same bytes again completes the host's step.
                byte[] b = target.load(PartnerTarget.Kind.MANIFEST, now.name());
                target.save(PartnerTarget.Kind.MANIFEST, now.name(), b);
                head = target.manifestHead();
                log.info("the host's manifest head moved to {} on a resend of home's last manifest", head.seq());
            }
            String fork = forkAtHost(head, now);
            if (fork != null) {
                problems.add(fork);
                block = true;
            }
        }
        final boolean clean = problems.isEmpty();
        catalog.transaction(tx -> {
            PartnerObjects.setListed(tx, listed);
            PartnerCatalog.setMeta(tx, META_RESULT, System.currentTimeMillis() + " "
                    + (clean ? "ok" : problems.size() + " problems: " + String.join("; ", problems)));
            return null;
        });
        for (String p : problems) {
            log.warn("partner check: {}", p);
        }
        return new Report(problems, extras, lost[0], force, block, st.newestSeq());
    }

    /**
     * A pass killed between publishing its manifest and recording it at home leaves the partner one manifest
     * ahead. It is ours (and not a second home's) when it follows home's last one and names exactly the files
     * home believes the partner holds (names are content hashes): then home records it instead of calling it a
     * fork forever.
     */
    private static boolean adoptUnrecorded(Catalog catalog, BlobCipher cipher, ManifestKey key, PartnerTarget target,
                                           ManifestPublisher.Last home, Manifest.Header h) throws IOException {
        String expectPrev = home.seq() == 0 || home.name() == null ? Manifest.NO_PREV : home.name();
        if (!h.prev().equals(expectPrev)) {
            return false;
        }
        ManifestRecovery.Verdict v;
        try {
            v = ManifestRecovery.check(target, key, cipher);
        } catch (PartnerCorruptException e) {
            return false;
        }
        if (v.seq() != h.seq() || !v.objects().keySet().equals(ManifestPublisher.liveNames(catalog))) {
            return false;
        }
        ManifestRecovery.adopt(catalog, v);
        return true;
    }

    /**
     * The one line that says home must not publish after the host's {@code head}, or null when home's {@code last}
     * manifest is the head (the host then accepts home's next one). A host with no head yet ({@code seq} 0) takes
     * any first manifest.
     */
    static String forkAtHost(ManifestHead head, ManifestPublisher.Last last) {
        if (head.seq() == 0 || head.seq() == last.seq() && head.name().equals(last.name())) {
            return null;
        }
        if (head.seq() < last.seq()) {
            return "the host's manifest head is sequence " + head.seq() + ", behind home's " + last.seq()
                    + ": the host lost its newest manifests; it refuses home's next one until its admin restores them";
        }
        return "FORK at the host: its manifest head is sequence " + head.seq() + " (" + head.name() + "), home's is "
                + last.seq() + (head.seq() > last.seq() ? "" : " with other bytes")
                + ": home was rolled back or a second home writes this copy; nothing is published over it";
    }

    /** Null when {@code listing} holds {@code name} with {@code size} (or any size when {@code size < 0}). */
    private static String differs(SortedMap<String, Long> listing, String name, long size) {
        Long actual = listing.get(name);
        if (actual == null) {
            return "is missing at the partner";
        }
        if (size >= 0 && actual != size) {
            return "is " + actual + " bytes at the partner, " + size + " were published";
        }
        return null;
    }

    private static long size(Map<String, PartnerObjects.Obj> known, String name) {
        PartnerObjects.Obj o = known.get(name);
        return o == null ? -1 : o.size();
    }

    /** Rebuilds a pack's index file from what the catalog knows of the pack's blobs and their edges. */
    private static void republishIndex(Catalog catalog, BlobCipher cipher, PartnerTarget target, PartnerObjects.Pack p)
            throws IOException {
        byte[] packName = HexFormat.of().parseHex(p.name());
        List<MetaFiles.IndexEntry> entries = catalog.transaction(tx -> {
            List<MetaFiles.IndexEntry> out = new ArrayList<>();
            for (PartnerCatalog.PartnerLocationOf b : PartnerCatalog.blobsInPack(tx, packName)) {
                Map<ChunkId, Integer> ch = PartnerCatalog.children(tx, b.id());
                PartnerCatalog.PartnerLocation l = b.location();
                out.add(new MetaFiles.IndexEntry(b.id(), l.kind(), l.offset(), l.storedSize(), l.plainSize(), ch));
            }
            return out;
        });
        if (p.index() != null) {
            target.delete(PartnerTarget.Kind.INDEX, p.index());
        }
        MetaFiles.Built built = MetaFiles.index(cipher, new SecureRandom(), new MetaFiles.Index(packName, p.size(), entries));
        MetaFiles.readIndex(cipher, built.bytes(), "rebuilt index " + built.name());
        target.save(PartnerTarget.Kind.INDEX, built.name(), built.bytes());
        catalog.transaction(tx -> {
            PartnerObjects.setPackIndex(tx, p.name(), built.name());
            return null;
        });
    }
}
