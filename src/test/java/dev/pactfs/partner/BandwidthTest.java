package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BandwidthTest {

    @Test
    void bitAndByteUnitsWithSiPrefixesParse() {
        assertEquals(10_000_000, Bandwidth.parseBytesPerSecond("80Mbit"));
        assertEquals(10_000_000, Bandwidth.parseBytesPerSecond("80 Mbit/s"));
        assertEquals(10_000_000, Bandwidth.parseBytesPerSecond("10MB"));
        assertEquals(12_500_000, Bandwidth.parseBytesPerSecond("100Mbps"));
        assertEquals(125_000_000, Bandwidth.parseBytesPerSecond("1Gbit"));
        assertEquals(62_500, Bandwidth.parseBytesPerSecond("500kbit"));
        assertEquals(1024 * 1024, Bandwidth.parseBytesPerSecond("1MiB"));
        assertEquals(4096, Bandwidth.parseBytesPerSecond("4096"));
        assertEquals(187_500_000, Bandwidth.parseBytesPerSecond("1.5Gbit"));
    }

    @Test
    void garbageIsRejectedWithTheInputInTheMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Bandwidth.parseBytesPerSecond("fast"));
        assertTrue(e.getMessage().contains("fast"));
        assertThrows(IllegalArgumentException.class, () -> Bandwidth.parseBytesPerSecond("1bit"));
    }

    @Test
    void rateLimitedTargetStaysUnderItsCap() throws IOException {
        MemoryTarget m = new MemoryTarget();
        m.corrupt(PartnerTarget.Kind.CONFIG, "config", "pactfs-partner-copy\nrepo_id=x\n".getBytes(StandardCharsets.US_ASCII));
        PartnerTarget t = PartnerTargets.rateLimited(m, 1_000_000);
        long start = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            byte[] d = PartnerTargetContract.bytes(100_000, i);
            t.save(PartnerTarget.Kind.PACK, Envelope.nameOf(d), d);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        // 3 MB at 1 MB/s with a one-second burst allowance: at least ~2 s.
        assertTrue(secs > 1.8, "3 MB at 1 MB/s took only " + secs + " s");
    }
}
