package dev.pactfs.store;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds what delta compression keeps beside the chunks after {@code recover} built a catalog from the
 * partner's index files, which carry blobs and edges but neither super-features nor delta bookkeeping:
 * {@code delta_chunks} rows for the deltas (a file chunk with an edge is a delta of that child; generation 1,
 * saved bytes measured when its payload is local) and {@code delta_features} entries for the full file chunks held
 * locally (their plaintext is read, verified, and hashed into super-features), so that new versions of recovered
 * data find their bases again. Idempotent: delta rows already present are skipped, feature entries already present
 * are not added twice (the index cannot tell which chunks it holds without their super-features, so a second run
 * reads the full chunks again; recover runs it once).
 */
public final class DeltaIndexRebuild {

    private static final Logger log = LoggerFactory.getLogger(DeltaIndexRebuild.class);

    /** Chunks read per catalog transaction. */
    private static final int BATCH = 256;

    /** What a rebuild added: delta rows, and full chunks that got feature entries not there already. */
    record Result(int deltaRows, int fullChunksIndexed) {
    }

    private DeltaIndexRebuild() {
    }

    static Result run(Catalog catalog, DeltaRewrite.ChunkReader reader) throws IOException {
        int deltas = 0;
        int full = 0;
        byte[] after = new byte[32];
        while (true) {
            byte[] from = after;
            List<Object[]> batch = catalog.transaction(tx -> deltasWithoutRow(tx, from));
            if (batch.isEmpty()) {
                break;
            }
            List<FeatureIndex.DeltaRow> rows = new ArrayList<>();
            for (Object[] r : batch) {
                ChunkId id = (ChunkId) r[0];
                int saved = 0;
                if ((Boolean) r[3]) {
                    try {
                        byte[] plain = reader.read(id);
                        int full0 = Compression.frame(plain).length + BlobCipher.OVERHEAD;
                        saved = Math.max(0, full0 - (Integer) r[2]);
                    } catch (IOException e) {
                        log.warn("delta {} is unreadable, its savings are not counted: {}", id.shortHex(), e.getMessage());
                    }
                }
                rows.add(new FeatureIndex.DeltaRow(id, (ChunkId) r[1], 1, saved));
                after = id.toBytes();
            }
            catalog.transaction(tx -> {
                FeatureIndex.insertNew(tx, Map.of(), rows);
                return null;
            });
            deltas += rows.size();
        }
        after = new byte[32];
        while (true) {
            byte[] from = after;
            List<ChunkId> batch = catalog.transaction(tx -> localFullChunks(tx, from));
            if (batch.isEmpty()) {
                break;
            }
            Map<ChunkId, long[]> features = new HashMap<>();
            for (ChunkId id : batch) {
                try {
                    features.put(id, SuperFeatures.of(reader.read(id)));
                } catch (IOException e) {
                    log.warn("chunk {} is unreadable, not indexed as a delta base: {}", id.shortHex(), e.getMessage());
                }
                after = id.toBytes();
            }
            full += catalog.transaction(tx -> {
                try {
                    return FeatureIndex.index(tx, features).size();
                } catch (java.sql.SQLException e) {
                    throw Catalog.translate("indexing features of " + features.size() + " recovered chunks", e);
                }
            });
        }
        if (deltas + full > 0) {
            log.info("rebuilt the delta index: {} deltas, {} full chunks", deltas, full);
        }
        return new Result(deltas, full);
    }

    /** {id, base, storedSize, hasLocalPayload} of delta chunks without a delta_chunks row, ids above {@code after}. */
    private static List<Object[]> deltasWithoutRow(Tx tx, byte[] after) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT b.parent, b.child, c.stored_size, c.pack_id IS NOT NULL FROM blob_children b"
                        + " JOIN chunks c ON c.id = b.parent AND c.kind = " + BlobType.CHUNK.code
                        + " WHERE b.parent > ? AND NOT EXISTS (SELECT 1 FROM delta_chunks d WHERE d.id = b.parent)"
                        + " ORDER BY b.parent LIMIT " + BATCH)) {
            ps.setBytes(1, after);
            List<Object[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Object[] {ChunkId.of(rs.getBytes(1)), ChunkId.of(rs.getBytes(2)), rs.getInt(3),
                        rs.getBoolean(4)});
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing recovered deltas", e);
        }
    }

    /** Locally held full file chunks big enough for super-features, ids above {@code after}. */
    private static List<ChunkId> localFullChunks(Tx tx, byte[] after) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT c.id FROM chunks c WHERE c.kind = " + BlobType.CHUNK.code + " AND c.pack_id IS NOT NULL"
                        + " AND c.plain_size >= " + SuperFeatures.MIN_CHUNK + " AND c.id > ?"
                        + " AND NOT EXISTS (SELECT 1 FROM blob_children b WHERE b.parent = c.id)"
                        + " ORDER BY c.id LIMIT " + BATCH)) {
            ps.setBytes(1, after);
            List<ChunkId> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(ChunkId.of(rs.getBytes(1)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw Catalog.translate("listing recovered full chunks", e);
        }
    }

    /** The base of a delta chunk from its opened frame (codec 2, then the base id), or null for a full chunk. */
    public static ChunkId deltaBase(byte[] frame) {
        byte[] base = Compression.deltaBase(frame);
        return base == null ? null : ChunkId.of(base);
    }
}
