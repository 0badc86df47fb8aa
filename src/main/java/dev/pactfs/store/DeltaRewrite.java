package dev.pactfs.store;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Rewrite of deltas in full during GC (docs/format.md, "Delta blobs", chain policy).
 *
 * A base that no file and no snapshot references any more stays alive only through the edges of its deltas.
 * Keeping it costs base + Σ delta; storing those deltas in full instead costs Σ full, where a delta's full size
 * is its own size plus the bytes it saved against plain zstd (delta_chunks.saved_bytes: both are sealed with the
 * same overhead). So the rewrite pays exactly when Σ saved < base.
 *
 * Crash safety, per base: the full blobs are appended to the current pack and synced; then one catalog
 * transaction points each row at its full record (same id, same plaintext), drops its delta_chunks row and its
 * edge to the base (which takes the base's refcount to 0 for the GC pass that follows), indexes its
 * super-features (it is a full chunk now, a possible base) and, if the partner held the delta form, clears its
 * partner location and records a hold on the packs of its old form and of the base. A kill before the commit
 * leaves the catalog as it was and dead bytes in the pack; after it, the new state. The old delta records are
 * dead bytes for compaction.
 */

/** Rewrites in full the deltas of bases referenced only through them, when that frees more than it costs. */
final class DeltaRewrite {

    private static final Logger log = LoggerFactory.getLogger(DeltaRewrite.class);

    /** Reads a file chunk's verified plaintext. */
    @FunctionalInterface
    interface ChunkReader {
        byte[] read(ChunkId id) throws IOException;
    }

    /** A delta depending on a base: its sealed size and the bytes it saved against plain zstd (as recorded). */
    record Dependent(ChunkId id, int storedSize, int savedBytes) {
    }

    /** A base referenced only through the edges of {@code deltas}. */
    record Candidate(ChunkId base, int baseStoredSize, List<Dependent> deltas) {
    }

    /** What one pass did. */
    record Result(int basesReleased, int deltasRewritten, long bytesFreed) {
    }

    private final Catalog catalog;
    private final LocalPacks packs;
    private final BlobCipher cipher;
    private final ChunkReader reader;

    DeltaRewrite(Catalog catalog, LocalPacks packs, BlobCipher cipher, ChunkReader reader) {
        this.catalog = catalog;
        this.packs = packs;
        this.cipher = cipher;
        this.reader = reader;
    }

    /**
     * The rule: keeping the base costs {@code baseStored + Σ deltaStored}, the deltas in full cost
     * {@code Σ fullStored}; rewrite only when the latter is strictly smaller.
     */
    static boolean pays(long baseStored, long deltasStored, long fullStored) {
        return fullStored < baseStored + deltasStored;
    }

    /**
     * Runs the rewrite for every candidate whose bases {@code pinned} does not hold (a pinned base or delta is in
     * use by a write that has not committed). Call with the GC write lock held and pending rows flushed: no put
     * can then make a new delta against a base being released.
     */
    Result run(Predicate<ChunkId> pinned) throws IOException {
        int bases = 0;
        int deltas = 0;
        long freed = 0;
        for (Candidate c : catalog.transaction(DeltaRewrite::candidates)) {
            if (pinned.test(c.base()) || c.deltas().stream().anyMatch(d -> pinned.test(d.id()))) {
                continue;
            }
            try {
                long saved = rewrite(c);
                if (saved >= 0) {
                    bases++;
                    deltas += c.deltas().size();
                    freed += saved;
                }
            } catch (ChunkCorruptException e) {
                // Leave it as it is: check --read-data reports the damage, and the base stays (it may be the cause).
                log.warn("not rewriting the deltas of base {}: {}", c.base().shortHex(), e.getMessage());
            }
        }
        if (bases > 0) {
            log.info("rewrote {} deltas in full, releasing {} bases ({} bytes net)", deltas, bases, freed);
        }
        return new Result(bases, deltas, freed);
    }

    /** Rewrites the deltas of {@code c} when it pays; returns the net bytes freed, or -1 when it did not pay. */
    private long rewrite(Candidate c) throws IOException {
        long deltasStored = 0;
        long recordedFull = 0;
        for (Dependent d : c.deltas()) {
            deltasStored += d.storedSize();
            recordedFull += d.storedSize() + (long) d.savedBytes();
        }
        // saved_bytes is exact for deltas made here and 0 (a lower bound) for unmeasured recovered ones: when even
        // that says no, nothing needs reading. A yes is confirmed below with the real full sizes.
        if (!pays(c.baseStoredSize(), deltasStored, recordedFull)) {
            return -1;
        }
        Map<Dependent, byte[]> sealed = new LinkedHashMap<>();
        Map<Dependent, long[]> features = new LinkedHashMap<>();
        long fullStored = 0;
        for (Dependent d : c.deltas()) {
            byte[] plain = reader.read(d.id());
            byte[] s = cipher.seal(BlobType.CHUNK, d.id().toBytes(), Compression.frame(plain));
            sealed.put(d, s);
            features.put(d, plain.length >= SuperFeatures.MIN_CHUNK ? SuperFeatures.of(plain) : null);
            fullStored += s.length;
        }
        if (!pays(c.baseStoredSize(), deltasStored, fullStored)) {
            return -1;
        }
        Map<Dependent, LocalPacks.Location> at = new LinkedHashMap<>();
        for (Map.Entry<Dependent, byte[]> e : sealed.entrySet()) {
            at.put(e.getKey(), packs.append(BlobType.CHUNK.code, e.getKey().id().toBytes(), e.getValue(), true));
        }
        packs.sync(); // the full records are durable before any row points at them
        catalog.transaction(tx -> {
            FeatureIndex.lockWriters(tx); // before any refcount changes: see FeatureIndex.lockWriters
            for (Map.Entry<Dependent, LocalPacks.Location> e : at.entrySet()) {
                Dependent d = e.getKey();
                switchToFull(tx, d.id(), c.base(), sealed.get(d).length, e.getValue());
                if (features.get(d) != null) {
                    FeatureIndex.insert(tx, d.id(), features.get(d));
                }
            }
            return null;
        });
        return c.baseStoredSize() + deltasStored - fullStored;
    }

    /** One delta becomes a full chunk: row, bookkeeping, edge and partner hold in the caller's transaction. */
    private static void switchToFull(Tx tx, ChunkId id, ChunkId base, int storedSize, LocalPacks.Location loc)
            throws IOException {
        try {
            byte[] oldPack = null;
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "SELECT partner_pack FROM chunks WHERE id = ?")) {
                ps.setBytes(1, id.toBytes());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        oldPack = rs.getBytes(1);
                    }
                }
            }
            if (oldPack != null) {
                PartnerHolds.hold(tx, id, oldPack, base);
            }
            try (PreparedStatement ps = tx.connection().prepareStatement(
                    "UPDATE chunks SET stored_size = ?, pack_id = ?, pack_offset = ?, partner_pack = NULL,"
                            + " partner_offset = NULL WHERE id = ?")) {
                ps.setInt(1, storedSize);
                ps.setLong(2, loc.packId());
                ps.setLong(3, loc.offset());
                ps.setBytes(4, id.toBytes());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = tx.connection().prepareStatement("DELETE FROM delta_chunks WHERE id = ?")) {
                ps.setBytes(1, id.toBytes());
                ps.executeUpdate();
            }
            BlobGraph.dropChildren(tx, id);
        } catch (SQLException e) {
            throw Catalog.translate("rewriting delta " + id.shortHex() + " in full", e);
        }
    }

    /**
     * Bases that are still referenced, but only through their deltas' edges: refcount equal to the number of live
     * deltas on them (each holds one edge). A base also named by a file, a tree blob or a snapshot root is not a
     * candidate. Reads delta_chunks only (one row per delta), never the whole edge table; a delta without a row
     * cannot be counted, so its base is never a candidate (safe: kept).
     */
    static List<Candidate> candidates(Tx tx) throws IOException {
        Map<ChunkId, Candidate> out = new LinkedHashMap<>();
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT d.base_id, c.stored_size, d.id, p.stored_size, d.saved_bytes FROM delta_chunks d"
                        + " JOIN chunks p ON p.id = d.id"
                        + " JOIN chunks c ON c.id = d.base_id"
                        + " JOIN (SELECT d2.base_id AS base, COUNT(*) AS deltas FROM delta_chunks d2"
                        + "   JOIN chunks p2 ON p2.id = d2.id GROUP BY d2.base_id) t ON t.base = d.base_id"
                        + " WHERE c.refcount > 0 AND c.refcount = t.deltas"
                        + " ORDER BY d.base_id, d.id");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ChunkId base = ChunkId.of(rs.getBytes(1));
                int baseStored = rs.getInt(2);
                out.computeIfAbsent(base, k -> new Candidate(k, baseStored, new ArrayList<>())).deltas()
                        .add(new Dependent(ChunkId.of(rs.getBytes(3)), rs.getInt(4), rs.getInt(5)));
            }
            return new ArrayList<>(out.values());
        } catch (SQLException e) {
            throw Catalog.translate("finding bases referenced only by deltas", e);
        }
    }
}
