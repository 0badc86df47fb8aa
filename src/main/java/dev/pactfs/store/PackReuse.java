package dev.pactfs.store;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * Why records are re-indexed and not the old catalog kept: an interrupted recover's catalog may be half-built
 * at any step, and a kill can leave a pack record on disk whose index row never committed (or, after a power
 * loss, a row whose record never reached the disk). So the rerun rebuilds the catalog from the partner copy, and
 * this gives a blob without a local payload the record a local pack already holds for it, but only when the
 * record is what a read would accept: same kind and sealed length as the index row, the AEAD tag opens under the
 * blob's id, the plaintext hashes to the id. A delta is verified against its base, read locally: one whose base
 * has no local payload (yet) waits for a later round, and is left to the payload fetch if it never gets one, so
 * reusing never reads from the partner. Records not taken are dead bytes that compaction reclaims, as a torn
 * record's are.
 */

/** Re-indexes the verified records of local packs for blobs the catalog lists without a local payload. */
final class PackReuse {

    /** The store's verification of a sealed blob against its index row, as on every read. */
    @FunctionalInterface
    interface Verifier {
        void verify(ChunkIndex.Entry e, byte[] sealed, String where) throws ChunkCorruptException;
    }

    private final Catalog catalog;
    private final LocalPacks packs;
    private final BlobCipher cipher;
    private final Verifier verifier;
    /** Blobs given a payload so far (committed): the catalog's rows had none when this began. */
    private final java.util.Set<ChunkId> reused = new java.util.HashSet<>();
    private long bytes;
    private long rejected;

    PackReuse(Catalog catalog, LocalPacks packs, BlobCipher cipher, Verifier verifier) {
        this.catalog = catalog;
        this.packs = packs;
        this.cipher = cipher;
        this.verifier = verifier;
    }

    /** One candidate record: its header and the index row it would give a payload. */
    private record Candidate(LocalPacks.Header header, ChunkIndex.Entry entry) {
    }

    ChunkStore.Reused run() throws IOException {
        long current = packs.currentPackId();
        List<Candidate> waiting = new ArrayList<>();
        for (long packId : packs.list().keySet()) {
            if (packId != current) {
                waiting.addAll(place(candidates(packId)));
            }
        }
        // Deltas whose base got its payload in an earlier round; a chain needs one round per link.
        int before;
        do {
            before = waiting.size();
            waiting = place(waiting);
        } while (!waiting.isEmpty() && waiting.size() < before);
        return new ChunkStore.Reused(reused.size(), bytes, rejected);
    }

    /** The records of {@code packId} that some index row without a local payload matches, each id once. */
    private List<Candidate> candidates(long packId) throws IOException {
        List<LocalPacks.Header> headers = packs.records(packId);
        return catalog.transaction(tx -> {
            Map<ChunkId, Candidate> out = new LinkedHashMap<>();
            for (LocalPacks.Header h : headers) {
                ChunkId id = ChunkId.of(h.id());
                ChunkIndex.Entry e = ChunkIndex.find(tx, id);
                if (e != null && e.packId() == null && e.kind() == h.kind() && e.storedSize() == h.sealedLength()) {
                    out.putIfAbsent(id, new Candidate(h, e));
                }
            }
            return new ArrayList<>(out.values());
        });
    }

    /**
     * Verifies and indexes {@code cands} in one transaction; returns the deltas whose base has no local payload
     * yet. A record that does not verify is counted and dropped (its blob is fetched again).
     */
    private List<Candidate> place(List<Candidate> cands) throws IOException {
        List<Candidate> later = new ArrayList<>();
        Map<ChunkId, LocalPacks.Location> placed = new HashMap<>();
        Map<ChunkId, ChunkId> chunkBases = new HashMap<>(); // file chunks: their frame's base or null
        for (Candidate c : cands) {
            ChunkIndex.Entry e = c.entry();
            if (placed.containsKey(e.id()) || reused.contains(e.id())) {
                continue; // another record of the same blob came first
            }
            LocalPacks.Header h = c.header();
            String where = "local pack " + h.at().packId() + " offset " + h.at().offset();
            byte[] sealed;
            try {
                sealed = packs.read(h.at(), h.kind(), h.id(), h.sealedLength());
            } catch (StoreException ex) { // the header changed under us: not a record to trust
                rejected++;
                continue;
            }
            ChunkId base;
            try {
                base = deltaBase(e, sealed);
                if (base != null && !isLocal(base)) {
                    later.add(c);
                    continue;
                }
                verifier.verify(e, sealed, where);
            } catch (ChunkCorruptException | BlobCorruptException ex) {
                rejected++;
                continue;
            }
            if (e.kind() == BlobType.CHUNK.code) {
                chunkBases.put(e.id(), base);
            }
            placed.put(e.id(), h.at());
            bytes += h.sealedLength();
        }
        if (!placed.isEmpty()) {
            catalog.transaction(tx -> {
                for (Map.Entry<ChunkId, LocalPacks.Location> p : placed.entrySet()) {
                    ChunkIndex.relocate(tx, p.getKey(), p.getValue().packId(), p.getValue().offset());
                    if (chunkBases.containsKey(p.getKey())) {
                        DeltaEdges.correct(tx, p.getKey(), chunkBases.get(p.getKey()));
                    }
                }
                return null;
            });
            reused.addAll(placed.keySet());
        }
        return later;
    }

    /** The delta base named by the opened frame, or null for a full blob. */
    private ChunkId deltaBase(ChunkIndex.Entry e, byte[] sealed) throws BlobCorruptException, ChunkCorruptException {
        BlobType type = null;
        for (BlobType t : BlobType.values()) {
            if (t.code == e.kind()) {
                type = t;
            }
        }
        if (type == null) {
            throw new ChunkCorruptException(e.id(), "index", "unknown blob kind " + e.kind());
        }
        byte[] base = Compression.deltaBase(cipher.open(type, e.id().toBytes(), sealed));
        return base == null ? null : ChunkId.of(base);
    }

    private boolean isLocal(ChunkId id) throws IOException {
        if (reused.contains(id)) {
            return true;
        }
        ChunkIndex.Entry e = catalog.transaction(tx -> ChunkIndex.find(tx, id));
        return e != null && e.packId() != null;
    }
}
