package dev.pactfs.snapshot;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pactfs.FuzzSeeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzz tests of the tree and snapshot-record decoders: their input is plaintext that decrypted fine (a tree blob
 * or a record from the local packs or the partner), so a malformed one must end in {@link TreeFormatException},
 * never another exception, a hang or an allocation beyond the format's limits. Corpus:
 * src/test/resources/dev/pactfs/snapshot/SnapshotDecodersFuzzTestInputs/.
 */
class SnapshotDecodersFuzzTest {

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void tree(FuzzedDataProvider data) {
        byte[] blob = data.consumeRemainingAsBytes();
        try {
            TreeCodec.decode(blob, "fuzz");
        } catch (TreeFormatException expected) {
            // the typed outcome
        }
    }

    /** Writes the seed corpus from real encodings (regenerate after a format change). */
    @Test
    @EnabledIfSystemProperty(named = "pactfs.writeSeeds", matches = "true")
    void writeSeeds() {
        FuzzSeeds s = new FuzzSeeds(getClass());
        s.put("tree", "sample", TreeCodec.encode(TreeCodecTest.sample()));
        s.put("tree", "empty", TreeCodec.encode(java.util.List.of()));
        // Format 1 (seeds "record" and "with-parent") is written by no pactfs since decision 0011: those seeds
        // stay as they were written; these are format 2.
        dev.pactfs.store.SnapshotId first = SnapshotRecordTest.sid(1);
        s.put("snapshotRecord", "v2-record", new SnapshotRecord(first, "night-1", 1_700_000_000_000L,
                1_700_000_000_500L, "host", java.util.List.of("nightly", "keep"), TreeCodecTest.id(3), null, null).encode());
        s.put("snapshotRecord", "v2-with-parent", new SnapshotRecord(SnapshotRecordTest.sid(2), "night-2",
                1_700_000_086_400L, 1_700_000_090_000L, "host", java.util.List.of(), TreeCodecTest.id(4), first,
                "night-1").encode());
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void snapshotRecord(FuzzedDataProvider data) {
        byte[] blob = data.consumeRemainingAsBytes();
        try {
            SnapshotRecord.decode(blob);
        } catch (TreeFormatException expected) {
            // the typed outcome
        }
    }
}
