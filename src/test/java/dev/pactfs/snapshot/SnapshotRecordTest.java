package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pactfs.store.SnapshotId;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Snapshot record formats 2 (written) and 1 (still read), decision 0011. */
public class SnapshotRecordTest {

    static SnapshotId sid(int b) {
        byte[] x = new byte[SnapshotId.LENGTH];
        Arrays.fill(x, (byte) b);
        return SnapshotId.of(x);
    }

    /** A format-1 record as pactfs before decision 0011 wrote it. */
    public static byte[] format1(String name, long timeMs, String host, String tag, byte[] root, String parent) {
        TreeCodec.Out out = new TreeCodec.Out(128);
        out.u8(1);
        out.string(name);
        out.zigzag(timeMs);
        out.string(host);
        out.u8(tag == null ? 0 : 1);
        if (tag != null) {
            out.string(tag);
        }
        out.raw(root);
        out.u8(parent == null ? 0 : 1);
        if (parent != null) {
            out.string(parent);
        }
        return out.toByteArray();
    }

    @Test
    void formatTwoRoundTripsWithTagsAndAParentByStableId() throws Exception {
        SnapshotRecord r = new SnapshotRecord(sid(7), "nightly-1", 1_700_000_000_000L, 1_700_000_000_900L, "host",
                List.of("nightly", "keep"), TreeCodecTest.id(3), sid(6), "nightly-0");
        byte[] b = r.encode();
        assertEquals(2, b[0]);
        assertEquals(r, SnapshotRecord.decode(b));
        SnapshotRecord bare = new SnapshotRecord(sid(8), "x", -5, 0, "h", List.of(), TreeCodecTest.id(4), null, null);
        assertEquals(bare, SnapshotRecord.decode(bare.encode()));
        assertEquals(2, SnapshotRecord.decode(bare.encode()).format());
    }

    @Test
    void aParentKnownOnlyByNameIsLeftOutOfTheWrittenRecordSoItParsesBackEqual() throws Exception {
        SnapshotRecord r = new SnapshotRecord(sid(3), "x", 1, 0, "h", List.of(), TreeCodecTest.id(1), null, "gone")
                .writtenAt(9);
        assertEquals(r, SnapshotRecord.decode(r.encode()));
        assertNull(r.parent());
    }

    @Test
    void aFormatOneRecordStillDecodesWithItsTagsSplitAndItsParentByName() throws Exception {
        SnapshotRecord r = SnapshotRecord.decode(format1("monday", 1_700_000_000_000L, "h", "a,b",
                TreeCodecTest.id(5).toBytes(), "sunday"));
        assertEquals(1, r.format());
        assertNull(r.id());
        assertNull(r.parentId());
        assertEquals("sunday", r.parent());
        assertEquals(List.of("a", "b"), r.tags());
        assertEquals("a,b", r.tagField());
        assertEquals(TreeCodecTest.id(5), r.root());
        assertThrows(IllegalStateException.class, r::encode, "a format-1 record is never written back");
    }

    @Test
    void theFormatOneSeedsOfTheFuzzCorpusStillDecode() throws Exception {
        SnapshotRecord plain = SnapshotRecord.decode(seed("record"));
        assertEquals("night-1", plain.name());
        assertEquals(List.of("tag"), plain.tags());
        assertEquals(1, plain.format());
        SnapshotRecord child = SnapshotRecord.decode(seed("with-parent"));
        assertEquals("night-1", child.parent());
        assertEquals(List.of(), child.tags()); // the empty tag field of a format-1 record is no tag
    }

    @Test
    void aNewerFormatIsRefusedAsNeedingANewerPactfs() {
        byte[] b = new SnapshotRecord(sid(1), "x", 1, 1, "h", List.of(), TreeCodecTest.id(1), null, null).encode();
        b[0] = 3;
        TreeFormatException e = assertThrows(TreeFormatException.class, () -> SnapshotRecord.decode(b));
        assertEquals("snapshot record format 3, this pactfs reads 1 and 2: it needs a newer pactfs", e.getMessage());
    }

    @Test
    void duplicateOrInvalidTagsAndTagsTooLongTogetherAreRefused() {
        for (List<String> tags : List.of(List.of("a", "a"), List.of("a,b"), List.of("x\n"),
                List.of("t".repeat(200), "u".repeat(60)))) {
            byte[] b = new SnapshotRecord(sid(1), "x", 1, 1, "h", tags, TreeCodecTest.id(1), null, null).encode();
            assertThrows(TreeFormatException.class, () -> SnapshotRecord.decode(b), tags.toString());
        }
    }

    @Test
    void aRecordNamingItselfAsItsParentIsRefused() {
        byte[] b = new SnapshotRecord(sid(1), "x", 1, 1, "h", List.of(), TreeCodecTest.id(1), sid(1), "x").encode();
        assertThrows(TreeFormatException.class, () -> SnapshotRecord.decode(b));
    }

    private static byte[] seed(String name) throws Exception {
        try (InputStream in = SnapshotRecordTest.class.getResourceAsStream(
                "SnapshotDecodersFuzzTestInputs/snapshotRecord/" + name)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }
}
