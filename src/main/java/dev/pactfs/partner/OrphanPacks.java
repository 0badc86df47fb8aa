package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3 of a replication pass (see {@link Replicator}): packs at the partner that home does not know. A pack
 * published before a crash but not yet recorded at home is read back and its blobs recorded, so a killed pass
 * does not re-send them; one nobody needs is deleted with its index file, but only once the manifest home last
 * published no longer names it and the catalog's references are proven complete.
 */
final class OrphanPacks {

    private static final Logger log = LoggerFactory.getLogger(OrphanPacks.class);

    private OrphanPacks() {
    }

    /** Records (or deletes) packs at the partner that home does not know: leftovers of a pass killed mid-way. */
    static int adopt(Catalog catalog, BlobCipher cipher, PartnerTarget target, SecureRandom random)
            throws IOException {
        Set<String> known = new HashSet<>();
        Set<String> knownIndex = new HashSet<>();
        for (PartnerCatalog.PartnerPack p : catalog.transaction(PartnerCatalog::packs)) {
            known.add(HexFormat.of().formatHex(p.name()));
            knownIndex.add(HexFormat.of().formatHex(p.indexName()));
        }
        List<String> orphans = new ArrayList<>();
        for (String name : target.list(PartnerTarget.Kind.PACK)) {
            if (!known.contains(name)) {
                orphans.add(name);
            }
        }
        if (orphans.isEmpty()) {
            return 0;
        }
        Set<String> named = catalog.transaction(PartnerObjects::all).keySet();
        // Index files of orphans, by the (keyless) pack name in their header.
        String infoName = catalog.transaction(tx -> PartnerCatalog.meta(tx, Replicator.META_REPO_INFO));
        Map<String, String> indexOf = new HashMap<>();
        for (String idx : target.list(PartnerTarget.Kind.INDEX)) {
            if (knownIndex.contains(idx) || idx.equals(infoName)) {
                continue;
            }
            byte[] f = target.load(PartnerTarget.Kind.INDEX, idx);
            try {
                if (MetaFiles.kindOf(f, idx) == Envelope.INDEX) {
                    indexOf.put(Envelope.hex(MetaFiles.indexPackName(f, idx)), idx);
                }
            } catch (PartnerCorruptException e) {
                log.warn("partner index file {} is damaged: {}", idx, e.getMessage());
            }
        }
        int adopted = 0;
        for (String name : orphans) {
            byte[] file = target.load(PartnerTarget.Kind.PACK, name);
            List<PackFile.Entry> entries;
            try {
                if (!Envelope.nameOf(file).equals(name)) {
                    throw new PartnerCorruptException("pack " + name + ": content does not hash to its name");
                }
                entries = PackFile.parse(cipher, file, "pack " + name);
            } catch (PartnerCorruptException e) {
                log.warn("orphan partner pack {} is damaged, ignoring it: {}", name, e.getMessage());
                continue;
            }
            List<PartnerCatalog.Placed> placed = new ArrayList<>();
            catalog.transaction(tx -> {
                for (PackFile.Entry e : entries) {
                    PartnerCatalog.BlobRow row = PartnerCatalog.find(tx, e.id());
                    if (row != null && row.kind() == e.kind() && row.storedSize() == e.length()
                            && PartnerCatalog.location(tx, e.id()) == null) {
                        placed.add(new PartnerCatalog.Placed(e.id(), e.offset()));
                    }
                }
                return null;
            });
            String idx = indexOf.get(name);
            if (placed.isEmpty()) {
                if (catalog.transaction(GraphProof::unproven) != null) {
                    log.warn("orphan partner pack {} kept: the catalog's references are not proven complete", name);
                    continue;
                }
                if (named.contains(name)) {
                    // Forgotten by a prune that stopped before its manifest: this pass's manifest drops it, the
                    // next pass deletes it. Deleting it now would leave the partner's newest manifest naming a
                    // pack that is gone.
                    log.info("orphan partner pack {} kept until a manifest no longer names it", name);
                    continue;
                }
                if (idx != null) {
                    target.delete(PartnerTarget.Kind.INDEX, idx);
                }
                target.delete(PartnerTarget.Kind.PACK, name);
                log.info("deleted orphan partner pack {} (nothing at home needs it)", name);
                continue;
            }
            if (idx == null) {
                // Killed between pack and index: write the index now (full, from the trailer and home's edges).
                List<MetaFiles.IndexEntry> ie = new ArrayList<>();
                catalog.transaction(tx -> {
                    for (PackFile.Entry e : entries) {
                        Map<ChunkId, Integer> ch = PartnerCatalog.children(tx, e.id()) /* trees: entries; delta chunks: their base */;
                        ie.add(new MetaFiles.IndexEntry(e.id(), e.kind(), e.offset(), e.length(), e.plainSize(), ch));
                    }
                    return null;
                });
                MetaFiles.Built built = MetaFiles.index(cipher, random,
                        new MetaFiles.Index(HexFormat.of().parseHex(name), file.length, ie));
                target.save(PartnerTarget.Kind.INDEX, built.name(), built.bytes());
                idx = built.name();
            }
            byte[] indexName = HexFormat.of().parseHex(idx);
            catalog.transaction(tx -> {
                PartnerCatalog.recordPack(tx, HexFormat.of().parseHex(name), file.length, indexName, placed);
                return null;
            });
            adopted += placed.size();
            log.info("adopted orphan partner pack {} ({} blobs)", name, placed.size());
        }
        return adopted;
    }
}
