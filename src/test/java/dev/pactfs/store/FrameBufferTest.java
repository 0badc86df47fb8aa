package dev.pactfs.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Framing into a reused buffer: the same frames as a fresh array, and a big blob's buffer is not kept. */
class FrameBufferTest {

    @Test
    void framesIntoAReusedBufferAsIntoAFreshArray() {
        Compression.FrameBuffer buf = new Compression.FrameBuffer();
        SplittableRandom rnd = new SplittableRandom(3);
        for (int round = 0; round < 20; round++) {
            byte[] plain = new byte[rnd.nextInt(300_000)];
            if (round % 2 == 0) {
                rnd.nextBytes(plain); // incompressible: the raw codec
            } else {
                Arrays.fill(plain, (byte) round);
            }
            Compression.frame(plain, buf);
            byte[] framed = Arrays.copyOf(buf.bytes, buf.length);
            assertArrayEquals(Compression.frame(plain), framed);
            assertArrayEquals(plain, Compression.unframe(framed, plain.length));
        }
    }

    @Test
    void aBigBlobsBufferIsDroppedByTheNextChunk() {
        Compression.FrameBuffer buf = new Compression.FrameBuffer();
        Compression.frame(new byte[1 << 20], buf);
        byte[] chunkBuffer = buf.bytes;
        Compression.frame(new byte[1000], buf);
        assertSame(chunkBuffer, buf.bytes, "a chunk-sized buffer is reused");
        Compression.frame(new byte[8 << 20], buf);
        assertTrue(buf.bytes.length > Compression.FrameBuffer.KEEP_BYTES);
        Compression.frame(new byte[1000], buf);
        assertTrue(buf.bytes.length <= Compression.FrameBuffer.KEEP_BYTES, "kept " + buf.bytes.length);
    }
}
