package dev.pactfs.store;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pactfs.FuzzSeeds;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzz tests of the blob framing behind the AEAD: a zstd frame (output bounded by the plain size the index gives,
 * at most a chunk's maximum) and a delta frame against a base. Each ends in IllegalArgumentException, the store's
 * "this frame is corrupt" (LocalChunkStore turns it into ChunkCorruptException), or succeeds. Corpus:
 * src/test/resources/dev/pactfs/store/StoreDecodersFuzzTestInputs/.
 */
class StoreDecodersFuzzTest {

    /** Largest plain size an index can claim for a chunk (a tree blob may be larger, but is still bounded). */
    private static final int MAX_PLAIN = 16 << 20;

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void unframe(FuzzedDataProvider data) {
        int plainSize = data.consumeInt(0, MAX_PLAIN);
        try {
            Compression.unframe(data.consumeRemainingAsBytes(), plainSize);
        } catch (IllegalArgumentException expected) {
            // the typed outcome
        }
    }

    /** Writes the seed corpus from real frames (regenerate after a format change). */
    @Test
    @EnabledIfSystemProperty(named = "pactfs.writeSeeds", matches = "true")
    void writeSeeds() {
        FuzzSeeds s = new FuzzSeeds(getClass());
        byte[] plain = "a chunk of text, a chunk of text, a chunk of text, repeated so zstd shrinks it".repeat(20)
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // FuzzedDataProvider takes the ints from the end: the plain size last.
        s.put("unframe", "zstd", FuzzSeeds.concat(Compression.frame(plain), ByteBuffer.allocate(4).putInt(plain.length).array()));
        s.put("unframe", "raw", FuzzSeeds.concat(Compression.frame(new byte[] {1, 2, 3}), new byte[] {0, 0, 0, 3}));
        byte[] base = java.util.Arrays.copyOf(plain, 1000);
        byte[] target = plain.clone();
        target[5] = 'X';
        byte[] frame = DeltaCodec.encode(base, target);
        s.put("deltaFrame", "delta", FuzzSeeds.concat(FuzzSeeds.concat(base, frame),
                ByteBuffer.allocate(8).putInt(base.length).putInt(target.length).array()));
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void deltaFrame(FuzzedDataProvider data) {
        int plainSize = data.consumeInt(0, 1 << 20);
        byte[] base = data.consumeBytes(data.consumeInt(0, 4096));
        byte[] framed = data.consumeRemainingAsBytes();
        try {
            Compression.deltaBase(framed);
            DeltaCodec.decode(base, framed, 0, framed.length, plainSize);
        } catch (IllegalArgumentException expected) {
            // the typed outcome
        }
    }
}
