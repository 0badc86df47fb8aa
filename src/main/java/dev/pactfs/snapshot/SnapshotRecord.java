package dev.pactfs.snapshot;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Snapshots;
import java.time.Instant;

/**
 * A snapshot: its unique name, when it was frozen (ms since the epoch), on which host, an optional tag, the id
 * of its root tree blob, and the name of the snapshot taken before it ({@code parent}, null for the first).
 *
 * <p>{@link #encode()} is the plaintext of the {@code BlobType.SNAPSHOT} blob the partner layer ships
 * (layout in docs/format.md): u8 format (= 1), varint-length UTF-8 name, zigzag varint time_ms, varint-length
 * host, u8 has-tag + tag, 32-byte root id, u8 has-parent + parent name.
 */
public record SnapshotRecord(String name, long timeMs, String host, String tag, ChunkId root, String parent) {

    /** Format byte of an encoded record. */
    public static final int FORMAT = 1;
    /** Longest name, host and tag (bytes of UTF-8), as the catalog columns. */
    public static final int TEXT_MAX_BYTES = 255;

    public SnapshotRecord {
        if (name == null || name.isEmpty() || host == null || root == null) {
            throw new IllegalArgumentException("snapshot record needs a name, a host and a root");
        }
    }

    static SnapshotRecord of(Snapshots.Row row) {
        return new SnapshotRecord(row.name(), row.timeMs(), row.host(), row.tag(), row.root(), row.parentName());
    }

    public Instant time() {
        return Instant.ofEpochMilli(timeMs);
    }

    public byte[] encode() {
        TreeCodec.Out out = new TreeCodec.Out(128);
        out.u8(FORMAT);
        out.string(name);
        out.zigzag(timeMs);
        out.string(host);
        out.u8(tag == null ? 0 : 1);
        if (tag != null) {
            out.string(tag);
        }
        out.raw(root.toBytes());
        out.u8(parent == null ? 0 : 1);
        if (parent != null) {
            out.string(parent);
        }
        return out.toByteArray();
    }

    public static SnapshotRecord decode(byte[] blob) throws TreeFormatException {
        TreeCodec.In in = new TreeCodec.In(blob, "snapshot record");
        int format = in.u8();
        if (format != FORMAT) {
            throw new TreeFormatException("snapshot record format " + format + ", this pactfs reads " + FORMAT);
        }
        String name = in.string(TEXT_MAX_BYTES, "name");
        long time = in.zigzag();
        String host = in.string(TEXT_MAX_BYTES, "host");
        String tag = in.u8() == 0 ? null : in.string(TEXT_MAX_BYTES, "tag");
        ChunkId root = ChunkId.of(in.raw(ChunkId.LENGTH));
        String parent = in.u8() == 0 ? null : in.string(TEXT_MAX_BYTES, "parent");
        if (in.remaining() != 0) {
            throw new TreeFormatException("snapshot record: " + in.remaining() + " trailing bytes");
        }
        if (name.isEmpty()) {
            throw new TreeFormatException("snapshot record: empty name");
        }
        return new SnapshotRecord(name, time, host, tag, root, parent);
    }
}
