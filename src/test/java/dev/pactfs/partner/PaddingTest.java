package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PaddingTest {

    @Test
    void padmeKeepsOnlyTheTopBitsAndCostsAtMostTwelvePercent() {
        assertEquals(0, Padding.padme(0));
        assertEquals(7, Padding.padme(7));
        assertEquals(10, Padding.padme(9));      // E = 3, S = 2: one low bit cleared
        assertEquals(1024, Padding.padme(1000)); // E = 9, S = 4: five low bits cleared
        assertEquals(1 << 20, Padding.padme((1 << 20) - 5000));
        int previous = 0;
        for (int len = 1; len < 3_000_000; len += 1 + len / 97) {
            int p = Padding.padme(len);
            assertTrue(p >= len && p >= previous, "monotonic, never shorter: " + len);
            assertTrue(p - len <= Math.max(1, len * 0.12), "overhead at " + len + ": " + p);
            assertEquals(p, Padding.padme(p), "a padded size is its own bucket");
            previous = p;
        }
    }

    @Test
    void unpadRefusesAnyOtherSizeAndAnyNonZeroPadding() throws Exception {
        byte[] payload = new byte[1000];
        new SecureRandom().nextBytes(payload);
        byte[] padded = Padding.pad(payload);
        assertEquals(Padding.padme(1004), padded.length);
        assertArrayEquals(payload, Padding.unpad(padded, "t"));
        byte[] dirty = padded.clone();
        dirty[dirty.length - 1] = 1;
        assertThrows(PartnerCorruptException.class, () -> Padding.unpad(dirty, "t"));
        byte[] longer = java.util.Arrays.copyOf(padded, padded.length + 32);
        assertThrows(PartnerCorruptException.class, () -> Padding.unpad(longer, "t"));
        byte[] lying = padded.clone();
        lying[0] = 0x7f;
        assertThrows(PartnerCorruptException.class, () -> Padding.unpad(lying, "t"));
    }

    @Test
    void indexFilesOfNearbyBlobCountsHaveOneSizeAndStillRead() throws Exception {
        RepoKeys keys = RepoKeys.derive(MasterKey.generate());
        SecureRandom random = new SecureRandom();
        Set<Integer> sizes = new HashSet<>();
        for (int n = 200; n < 210; n++) {
            List<MetaFiles.IndexEntry> entries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] id = new byte[32];
                random.nextBytes(id);
                entries.add(new MetaFiles.IndexEntry(ChunkId.of(id), 1, 40 + 100L * i, 100, 80, Map.of()));
            }
            byte[] pack = new byte[32];
            MetaFiles.Built b = MetaFiles.index(keys.blobCipher(), random, new MetaFiles.Index(pack, 40 + 100L * n + 64, entries));
            sizes.add(b.bytes().length);
            assertEquals(n, MetaFiles.readIndex(keys.blobCipher(), b.bytes(), "index").entries().size());
        }
        assertTrue(sizes.size() <= 2, "ten blob counts, sizes " + sizes);
    }
}
