package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.SnapshotId;
import dev.pactfs.store.Snapshots;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/*
 * Record layout (docs/format.md, "Snapshot record"; decision 0011). Readers accept formats 1 and 2, writers
 * write 2.
 *
 *   format 2: u8 format (= 2), 16-byte stable id, bytes name, zigzag time_ms, zigzag written_ms, bytes host,
 *             varint tag count, bytes tag * count, 32-byte root id,
 *             u8 has_parent, then if 1: 16-byte parent stable id, bytes parent name (display only; may be empty)
 *   format 1: u8 format (= 1), bytes name, zigzag time_ms, bytes host, u8 has_tag + bytes tag (several joined by
 *             ','), 32-byte root id, u8 has_parent + bytes parent name
 *
 * written_ms is when home encoded this record for the partner: a rename or re-tag publishes a new record of the
 * same snapshot (same id, same time_ms), and without a manifest to say which is live the later one wins.
 */

/**
 * A snapshot: its stable id (null only for one read from a format-1 record: the recovery derives it from the
 * record's file), its unique name, when it was frozen (ms since the epoch), on which host, its tags, the id of its
 * root tree blob, and the snapshot taken before it: {@code parentId} (null for the first, and in format 1) and
 * {@code parent}, its name (format 1's link; display only in format 2). {@code writtenMs}: when this record was
 * encoded for the partner (0 for one read from the catalog or from a format-1 record).
 */
public record SnapshotRecord(SnapshotId id, String name, long timeMs, long writtenMs, String host, List<String> tags,
                             ChunkId root, SnapshotId parentId, String parent) {

    /** Format byte this build writes. */
    public static final int FORMAT = 2;
    /** The oldest format this build reads (parent by name, one comma-joined tag field). */
    public static final int FORMAT_1 = 1;
    /** Longest name, host and tag (bytes of UTF-8), as the catalog columns; the tags joined by ',' fit it too. */
    public static final int TEXT_MAX_BYTES = 255;

    public SnapshotRecord {
        if (name == null || name.isEmpty() || host == null || root == null || tags == null) {
            throw new IllegalArgumentException("snapshot record needs a name, a host, tags and a root");
        }
        tags = List.copyOf(tags);
    }

    /** The snapshot of a catalog row. */
    public static SnapshotRecord of(Snapshots.Row row) {
        return new SnapshotRecord(row.stableId(), row.name(), row.timeMs(), 0, row.host(), Tags.of(row.tag()),
                row.root(), row.parentStableId(), row.parentName());
    }

    /** 1 when read from a format-1 record (no stable id), else 2. */
    public int format() {
        return id == null ? FORMAT_1 : FORMAT;
    }

    /** The tags joined by commas as the catalog keeps them; null for none. */
    public String tagField() {
        return tags.isEmpty() ? null : String.join(",", tags);
    }

    /**
     * This record as written at {@code ms} for the partner, in the form {@link #decode} gives back: a parent known
     * only by name (forgotten before migration 10, or not in the copy it was recovered from) is no link in format 2,
     * so that name is left out rather than written as a parent.
     */
    public SnapshotRecord writtenAt(long ms) {
        return new SnapshotRecord(id, name, timeMs, ms, host, tags, root, parentId, parentId == null ? null : parent);
    }

    public Instant time() {
        return Instant.ofEpochMilli(timeMs);
    }

    /** Format 2; a record without a stable id (read from format 1) is never written back. */
    public byte[] encode() {
        if (id == null) {
            throw new IllegalStateException("snapshot " + name + " has no stable id: format-1 records are not written");
        }
        TreeCodec.Out out = new TreeCodec.Out(160);
        out.u8(FORMAT);
        out.raw(id.toBytes());
        out.string(name);
        out.zigzag(timeMs);
        out.zigzag(writtenMs);
        out.string(host);
        out.varint(tags.size());
        for (String t : tags) {
            out.string(t);
        }
        out.raw(root.toBytes());
        out.u8(parentId == null ? 0 : 1);
        if (parentId != null) {
            out.raw(parentId.toBytes());
            out.string(parent == null ? "" : parent);
        }
        return out.toByteArray();
    }

    public static SnapshotRecord decode(byte[] blob) throws TreeFormatException {
        TreeCodec.In in = new TreeCodec.In(blob, "snapshot record");
        int format = in.u8();
        SnapshotRecord r = switch (format) {
            case FORMAT -> decode2(in);
            case FORMAT_1 -> decode1(in);
            default -> throw new TreeFormatException("snapshot record format " + format + ", this pactfs reads "
                    + FORMAT_1 + " and " + FORMAT + (format > FORMAT ? ": it needs a newer pactfs" : ""));
        };
        if (in.remaining() != 0) {
            throw new TreeFormatException("snapshot record: " + in.remaining() + " trailing bytes");
        }
        return r;
    }

    private static SnapshotRecord decode1(TreeCodec.In in) throws TreeFormatException {
        String name = in.string(TEXT_MAX_BYTES, "name");
        long time = in.zigzag();
        String host = in.string(TEXT_MAX_BYTES, "host");
        String tag = in.u8() == 0 ? null : in.string(TEXT_MAX_BYTES, "tag");
        ChunkId root = ChunkId.of(in.raw(ChunkId.LENGTH));
        String parent = in.u8() == 0 ? null : in.string(TEXT_MAX_BYTES, "parent");
        if (name.isEmpty()) {
            throw new TreeFormatException("snapshot record: empty name");
        }
        return new SnapshotRecord(null, name, time, 0, host, Tags.of(tag), root, null, parent);
    }

    private static SnapshotRecord decode2(TreeCodec.In in) throws TreeFormatException {
        SnapshotId id = SnapshotId.of(in.raw(SnapshotId.LENGTH));
        String name = in.string(TEXT_MAX_BYTES, "name");
        if (name.isEmpty()) {
            throw new TreeFormatException("snapshot record: empty name");
        }
        long time = in.zigzag();
        long written = in.zigzag();
        String host = in.string(TEXT_MAX_BYTES, "host");
        long count = in.varint();
        // every tag takes at least 2 bytes (length and one byte): bound the count before reading
        if (count < 0 || count > in.remaining() / 2) {
            throw new TreeFormatException("snapshot record: tag count " + count + " exceeds the record");
        }
        List<String> tags = new java.util.ArrayList<>((int) count);
        Set<String> seen = new HashSet<>();
        int joined = -1;
        for (long i = 0; i < count; i++) {
            String t = in.string(TEXT_MAX_BYTES, "tag");
            if (!Tags.valid(t) || !seen.add(t)) {
                throw new TreeFormatException("snapshot record: tag " + (i + 1) + " is "
                        + (Tags.valid(t) ? "a duplicate" : "not a valid tag (empty, a comma or a control character)"));
            }
            joined += 1 + t.getBytes(StandardCharsets.UTF_8).length;
            tags.add(t);
        }
        if (joined > TEXT_MAX_BYTES) {
            throw new TreeFormatException("snapshot record: tags joined by ',' take " + joined + " bytes (at most "
                    + TEXT_MAX_BYTES + ")");
        }
        ChunkId root = ChunkId.of(in.raw(ChunkId.LENGTH));
        SnapshotId parentId = null;
        String parent = null;
        int hasParent = in.u8();
        if (hasParent == 1) {
            parentId = SnapshotId.of(in.raw(SnapshotId.LENGTH));
            parent = in.string(TEXT_MAX_BYTES, "parent name");
            if (parent.isEmpty()) {
                parent = null;
            }
            if (parentId.equals(id)) {
                throw new TreeFormatException("snapshot record: snapshot " + id + " names itself as its parent");
            }
        } else if (hasParent != 0) {
            throw new TreeFormatException("snapshot record: has_parent " + hasParent + " (0 or 1)");
        }
        return new SnapshotRecord(id, name, time, written, host, tags, root, parentId, parent);
    }
}
