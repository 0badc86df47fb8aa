package dev.pactfs.store;

import dev.pactfs.crypto.ChunkId;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The similarity index: super-feature → full chunk ({@link SuperFeatures}, table {@code delta_features}), and the
 * per-delta facts ({@code delta_chunks}). Lives in H2, off the Java heap.
 *
 * <p>Size: 3 entries per full chunk of 5 + 6 bytes (feature key, chunk-id prefix: {@link FeatureRun}), packed into
 * rows of up to {@value FeatureRun#MAX_ENTRIES} entries keyed by the largest feature key they cover ({@code hi}):
 * ≈ 34 bytes per full chunk on disk, ≈ 140 MB per TiB of unique data at 256 KiB chunks (docs/benchmarks.md).
 * One H2 row per (super-feature, 32-byte id), as migration 5 had, cost ≈ 285 bytes per chunk: H2 kept each row
 * twice (a hidden row-id map, and the composite primary key's index beside it), each copy with ≈ 20 bytes of
 * overhead; an H2 row of any shape costs that much, hence runs. Deltas are not indexed.
 *
 * <p>Writers (new chunks, prune's rewrite, recover's rebuild, sweep) rewrite whole runs, so they are serialised by
 * a lock row in {@code meta} held until their transaction ends; readers need no lock (H2's MVCC).
 */
final class FeatureIndex {

    /** Candidates kept per super-feature: a very common one (many near-identical chunks) keeps its newest. */
    static final int MAX_PER_FEATURE = 32;

    /** The {@code meta} row locked by every writer of {@code delta_features} (see the class comment). */
    static final String WRITER_LOCK = "delta_features.writer";

    private FeatureIndex() {
    }

    /** A delta chunk's facts. */
    record DeltaRow(ChunkId id, ChunkId base, int generation, int savedBytes) {
    }

    /**
     * Records, in one batch per table, the super-features of new full chunks and the rows of new deltas (chunks
     * just inserted into {@code chunks}: their ids are new, so plain INSERTs for the deltas).
     */
    static void insertNew(Tx tx, Map<ChunkId, long[]> features, List<DeltaRow> deltas) throws IOException {
        try {
            if (!features.isEmpty()) {
                index(tx, features);
            }
            if (!deltas.isEmpty()) {
                try (PreparedStatement ps = tx.connection().prepareStatement(
                        "INSERT INTO delta_chunks (id, base_id, generation, saved_bytes) VALUES (?, ?, ?, ?)")) {
                    for (DeltaRow row : deltas) {
                        ps.setBytes(1, row.id().toBytes());
                        ps.setBytes(2, row.base().toBytes());
                        ps.setInt(3, row.generation());
                        ps.setInt(4, row.savedBytes());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("indexing features of " + features.size() + " chunks and " + deltas.size()
                    + " deltas", e);
        }
    }

    /** Records that full chunk {@code id} has super-features {@code sf} (again: idempotent). */
    static void insert(Tx tx, ChunkId id, long[] sf) throws IOException {
        try {
            index(tx, Map.of(id, sf));
        } catch (SQLException e) {
            throw Catalog.translate("indexing features of chunk " + id.shortHex(), e);
        }
    }

    /**
     * Adds the entries of {@code features} (chunk → super-features), visiting each run they fall into once;
     * returns the chunks that got at least one entry not already there.
     */
    static Set<ChunkId> index(Tx tx, Map<ChunkId, long[]> features) throws SQLException {
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<ChunkId, long[]> e : features.entrySet()) {
            long prefix = FeatureRun.prefix(e.getKey());
            for (long s : e.getValue()) {
                entries.add(new Entry(FeatureRun.key(s), prefix, e.getKey()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::key));
        Set<ChunkId> added = new HashSet<>();
        Connection c = tx.connection();
        lockWriters(c);
        try (PreparedStatement find = c.prepareStatement(
                "SELECT hi, entries FROM delta_features WHERE hi >= ? ORDER BY hi FETCH FIRST ROW ONLY")) {
            int i = 0;
            while (i < entries.size()) {
                find.setLong(1, entries.get(i).key());
                long hi = FeatureRun.MAX_KEY;
                FeatureRun run = FeatureRun.empty();
                boolean exists = false;
                try (ResultSet rs = find.executeQuery()) {
                    if (rs.next()) {
                        hi = rs.getLong(1);
                        run = FeatureRun.decode(rs.getBytes(2));
                        exists = true;
                    }
                }
                for (; i < entries.size() && entries.get(i).key() <= hi; i++) {
                    Entry x = entries.get(i);
                    if (run.add(x.key(), x.prefix(), MAX_PER_FEATURE)) {
                        added.add(x.chunk());
                    }
                }
                write(c, hi, run, exists);
            }
        }
        return added;
    }

    /** One entry to index, and the chunk it is for. */
    private record Entry(long key, long prefix, ChunkId chunk) {
    }

    /**
     * Locks the writer row until {@code tx} ends (see the class comment). A transaction that also changes refcounts
     * takes it first, as the flush of new chunks does (index, then edges to bases), so that two writers never wait
     * for each other's rows in opposite orders.
     */
    static void lockWriters(Tx tx) throws IOException {
        try {
            lockWriters(tx.connection());
        } catch (SQLException e) {
            throw Catalog.translate("locking the feature index", e);
        }
    }

    private static void lockWriters(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT v FROM meta WHERE k = ? FOR UPDATE")) {
            ps.setString(1, WRITER_LOCK);
            ps.executeQuery().close();
        }
    }

    /** Stores {@code run} (row {@code hi}, existing or not), split into several rows when it grew too long. */
    static void write(Connection c, long hi, FeatureRun run, boolean exists) throws SQLException {
        List<FeatureRun.Piece> pieces = run.pieces(hi);
        FeatureRun.Piece last = pieces.get(pieces.size() - 1);
        if (exists && last.entries().length == 0) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM delta_features WHERE hi = ?")) {
                ps.setLong(1, hi);
                ps.executeUpdate();
            }
        } else if (exists) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE delta_features SET entries = ? WHERE hi = ?")) {
                ps.setBytes(1, last.entries());
                ps.setLong(2, hi);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO delta_features (hi, entries) VALUES (?, ?)")) {
            for (FeatureRun.Piece p : pieces) {
                if (p == last && exists || p.entries().length == 0) {
                    continue;
                }
                ps.setLong(1, p.hi());
                ps.setBytes(2, p.entries());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * The runs holding each of the {@value SuperFeatures#SUPER_FEATURES} super-features' keys (the first run whose
     * {@code hi} is not below it), tagged with the super-feature's position: one statement for all of them,
     * prepared once per lookup connection ({@code LocalChunkStore}), because a new chunk must not pay a catalog
     * transaction and several statement preparations (≈ 13% of the put workers' CPU on never-seen data when it
     * did).
     */
    static final String RUNS_SQL = java.util.stream.IntStream.range(0, SuperFeatures.SUPER_FEATURES)
            .mapToObj(i -> "(SELECT " + i + ", entries FROM delta_features WHERE hi >= ? ORDER BY hi FETCH FIRST ROW ONLY)")
            .collect(java.util.stream.Collectors.joining(" UNION ALL "));

    /**
     * The locally stored chunks whose id starts with a prefix: a range of the chunks table's primary key (H2
     * orders BINARY unsigned, byte by byte, as {@link FeatureRun#idBound} assumes). Normally one, or none once
     * the chunk was freed or evicted.
     */
    static final String BY_PREFIX_SQL = "SELECT id, created_ms FROM chunks WHERE id BETWEEN ? AND ? AND pack_id IS NOT NULL";

    /**
     * The live, locally stored full chunk sharing the most super-features with {@code sf} (newest on ties), or
     * null; {@code runs} is a prepared {@link #RUNS_SQL}, {@code byPrefix} a prepared {@link #BY_PREFIX_SQL}.
     */
    static ChunkId findBase(PreparedStatement runs, PreparedStatement byPrefix, long[] sf) throws SQLException {
        Map<Long, Integer> votes = new HashMap<>(); // chunk prefix -> super-features shared
        for (int i = 0; i < SuperFeatures.SUPER_FEATURES; i++) {
            runs.setLong(i + 1, FeatureRun.key(sf[i]));
        }
        try (ResultSet rs = runs.executeQuery()) {
            while (rs.next()) {
                FeatureRun.matches(rs.getBytes(2), FeatureRun.key(sf[rs.getInt(1)]), p -> votes.merge(p, 1, Integer::sum));
            }
        }
        // Most votes first; the first vote count with a live local chunk decides, the newest among them.
        List<Map.Entry<Long, Integer>> ranked = new ArrayList<>(votes.entrySet());
        ranked.sort(Map.Entry.<Long, Integer>comparingByValue().reversed());
        ChunkId best = null;
        long bestCreated = Long.MIN_VALUE;
        int bestVotes = 0;
        for (Map.Entry<Long, Integer> e : ranked) {
            if (e.getValue() < bestVotes) {
                break;
            }
            byPrefix.setBytes(1, FeatureRun.idBound(e.getKey(), (byte) 0));
            byPrefix.setBytes(2, FeatureRun.idBound(e.getKey(), (byte) 0xff));
            try (ResultSet rs = byPrefix.executeQuery()) {
                while (rs.next()) {
                    long created = rs.getLong(2);
                    if (best == null || created > bestCreated) {
                        best = ChunkId.of(rs.getBytes(1));
                        bestCreated = created;
                        bestVotes = e.getValue();
                    }
                }
            }
        }
        return best;
    }

    static void insertDelta(Tx tx, DeltaRow row) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "MERGE INTO delta_chunks (id, base_id, generation, saved_bytes) KEY (id) VALUES (?, ?, ?, ?)")) {
            ps.setBytes(1, row.id().toBytes());
            ps.setBytes(2, row.base().toBytes());
            ps.setInt(3, row.generation());
            ps.setInt(4, row.savedBytes());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("recording delta chunk " + row.id().shortHex(), e);
        }
    }

    /** The delta facts of {@code id}, or null when it is stored in full (or unknown). */
    static DeltaRow findDelta(Tx tx, ChunkId id) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT base_id, generation, saved_bytes FROM delta_chunks WHERE id = ?")) {
            ps.setBytes(1, id.toBytes());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new DeltaRow(id, ChunkId.of(rs.getBytes(1)), rs.getInt(2), rs.getInt(3));
                }
            }
            // A catalog rebuilt by recover from the partner's index files has the edge delta -> base (a file
            // chunk's only kind of child) but no delta_chunks row.
            try (PreparedStatement edge = tx.connection().prepareStatement(
                    "SELECT b.child FROM blob_children b JOIN chunks c ON c.id = b.parent"
                            + " WHERE b.parent = ? AND c.kind = 1 LIMIT 1")) {
                edge.setBytes(1, id.toBytes());
                try (ResultSet rs = edge.executeQuery()) {
                    return rs.next() ? new DeltaRow(id, ChunkId.of(rs.getBytes(1)), 1, 0) : null;
                }
            }
        } catch (SQLException e) {
            throw Catalog.translate("looking up delta chunk " + id.shortHex(), e);
        }
    }

    /**
     * Drops the feature entries and delta rows of chunks no longer in the index (after GC freed them); returns how
     * many. An entry is kept while any chunk has its prefix (a rare collision keeps a dead entry: harmless). A run
     * left empty is deleted; one that only shrank stays as it is (not merged with its neighbour): new entries fill
     * it again. Costs one primary-key range probe of {@code chunks} per entry (≈ 11 µs of CPU per indexed chunk),
     * and runs only after a GC that freed something.
     */
    static int sweep(Tx tx) throws IOException {
        Connection c = tx.connection();
        try (PreparedStatement page = c.prepareStatement(
                "SELECT hi, entries FROM delta_features WHERE hi > ? ORDER BY hi FETCH FIRST 256 ROWS ONLY");
             PreparedStatement exists = c.prepareStatement(
                "SELECT 1 FROM chunks WHERE id BETWEEN ? AND ? FETCH FIRST ROW ONLY");
             PreparedStatement deltas = c.prepareStatement(
                "DELETE FROM delta_chunks d WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.id = d.id)")) {
            lockWriters(c);
            int removed = 0;
            long after = -1;
            while (true) {
                page.setLong(1, after);
                Map<Long, FeatureRun> runs = new java.util.LinkedHashMap<>();
                try (ResultSet rs = page.executeQuery()) {
                    while (rs.next()) {
                        runs.put(rs.getLong(1), FeatureRun.decode(rs.getBytes(2)));
                    }
                }
                if (runs.isEmpty()) {
                    break;
                }
                for (Map.Entry<Long, FeatureRun> r : runs.entrySet()) {
                    FeatureRun run = r.getValue();
                    Set<Long> dead = new HashSet<>();
                    for (int i = 0; i < run.size(); i++) {
                        if (!chunkExists(exists, run.prefixAt(i))) {
                            dead.add(run.prefixAt(i));
                        }
                    }
                    int n = dead.isEmpty() ? 0 : run.removeIf(dead::contains);
                    if (n > 0) {
                        write(c, r.getKey(), run, true);
                        removed += n;
                    }
                    after = r.getKey();
                }
            }
            return removed + deltas.executeUpdate();
        } catch (SQLException e) {
            throw Catalog.translate("sweeping the feature index", e);
        }
    }

    private static boolean chunkExists(PreparedStatement exists, long prefix) throws SQLException {
        exists.setBytes(1, FeatureRun.idBound(prefix, (byte) 0));
        exists.setBytes(2, FeatureRun.idBound(prefix, (byte) 0xff));
        try (ResultSet rs = exists.executeQuery()) {
            return rs.next();
        }
    }

    /** Deltas stored and bytes they saved against plain zstd, over the whole catalog. */
    static long[] totals(Tx tx) throws IOException {
        try (PreparedStatement ps = tx.connection().prepareStatement(
                "SELECT COUNT(*), COALESCE(SUM(saved_bytes), 0) FROM delta_chunks");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2)};
        } catch (SQLException e) {
            throw Catalog.translate("counting delta chunks", e);
        }
    }
}
