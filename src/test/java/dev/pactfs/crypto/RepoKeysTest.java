package dev.pactfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class RepoKeysTest {

    private static final MasterKey MASTER = MasterKey.of(HexFormat.of().parseHex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                    + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"));

    @Test
    void subkeysAreTheRfc5869HkdfOfTheMasterKeyUnderTheirLabels() throws Exception {
        for (String label : new String[] {"pactfs enc v1", "pactfs id v1", "pactfs cdc v1", "pactfs check v1"}) {
            assertArrayEquals(HkdfReference.hkdfSha256(MASTER.toBytes(), label, 32), RepoKeys.hkdf(MASTER.toBytes(), label));
        }
        assertArrayEquals(HkdfReference.hkdfSha256(MASTER.toBytes(), "pactfs cdc v1", 32),
                RepoKeys.derive(MASTER).cdcSeed());
    }

    @Test
    void theFourSubkeysAreDistinct() {
        Set<String> keys = new HashSet<>();
        for (String label : new String[] {RepoKeys.INFO_ENC, RepoKeys.INFO_ID, RepoKeys.INFO_CDC, RepoKeys.INFO_CHECK}) {
            keys.add(HexFormat.of().formatHex(RepoKeys.hkdf(MASTER.toBytes(), label)));
        }
        assertEquals(4, keys.size());
    }

    @Test
    void derivationIsDeterministic() {
        RepoKeys a = RepoKeys.derive(MASTER);
        RepoKeys b = RepoKeys.derive(MasterKey.of(MASTER.toBytes()));
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        assertEquals(a.chunkIdHasher().hash(data), b.chunkIdHasher().hash(data));
        assertArrayEquals(a.cdcSeed(), b.cdcSeed());
        assertArrayEquals(a.keyCheck("r"), b.keyCheck("r"));
    }

    @Test
    void chunkIdIsHmacSha256UnderKid() throws Exception {
        byte[] data = new byte[300_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(HkdfReference.hkdfSha256(MASTER.toBytes(), "pactfs id v1", 32), "HmacSHA256"));
        mac.update(data, 5, 200_000);
        assertEquals(ChunkId.of(mac.doFinal()), RepoKeys.derive(MASTER).chunkIdHasher().hash(data, 5, 200_000));
    }

    @Test
    void everyNonChunkKindIsNamedUnderItsOwnHkdfKeyAndChunksUnderKid() throws Exception {
        byte[] data = {0x01, 0x00};
        RepoKeys keys = RepoKeys.derive(MASTER);
        Set<ChunkId> ids = new HashSet<>();
        for (BlobType t : BlobType.values()) {
            String label = t == BlobType.CHUNK ? "pactfs id v1" : RepoKeys.ID_LABELS.get(t);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(HkdfReference.hkdfSha256(MASTER.toBytes(), label, 32), "HmacSHA256"));
            ChunkId expected = ChunkId.of(mac.doFinal(data));
            assertEquals(expected, keys.blobIds().of(t, data), t.toString());
            assertTrue(keys.blobIds().names(t, data, expected));
            ids.add(expected);
        }
        assertEquals(BlobType.values().length, ids.size(), "no two kinds share an id for the same bytes");
        assertEquals("pactfs tree id v1", RepoKeys.ID_LABELS.get(BlobType.TREE));
    }

    @Test
    void onlyTheTransitionalIdsAcceptAFormat1TreeId() {
        byte[] data = {0x01, 0x00};
        RepoKeys keys = RepoKeys.derive(MASTER);
        ChunkId format1 = new Format1BlobIds(keys).of(BlobType.TREE, data);
        assertEquals(keys.chunkIdHasher().hash(new byte[] {0x02, 0x01, 0x00}), format1, "issue 12's collision");
        assertFalse(keys.blobIds().names(BlobType.TREE, data, format1));
        assertTrue(keys.transitionalBlobIds().names(BlobType.TREE, data, format1));
        assertFalse(keys.transitionalBlobIds().names(BlobType.CHUNK, new byte[] {0x02, 0x01, 0x00},
                keys.blobIds().of(BlobType.TREE, data)), "a chunk is still checked under K_id only");
        assertEquals(keys.blobIds().of(BlobType.TREE, data), keys.transitionalBlobIds().of(BlobType.TREE, data));
    }

    @Test
    void chunkIdsDependOnTheKey() {
        byte[] data = "same content".getBytes(StandardCharsets.UTF_8);
        assertNotEquals(RepoKeys.derive(MASTER).chunkIdHasher().hash(data),
                RepoKeys.derive(MasterKey.generate()).chunkIdHasher().hash(data));
    }

    @Test
    void keyCheckMatchesOnlyTheSameKeyAndRepo() {
        RepoKeys keys = RepoKeys.derive(MASTER);
        byte[] stored = keys.keyCheck("repo-1");
        assertEquals(32, stored.length);
        assertTrue(keys.matchesKeyCheck("repo-1", stored));
        assertFalse(keys.matchesKeyCheck("repo-2", stored));
        assertFalse(RepoKeys.derive(MasterKey.generate()).matchesKeyCheck("repo-1", stored));
    }

    @Test
    void cdcSeedIsACopy() {
        RepoKeys keys = RepoKeys.derive(MASTER);
        byte[] seed = keys.cdcSeed();
        seed[0] ^= 1;
        assertNotEquals(seed[0], keys.cdcSeed()[0]);
    }

    @Test
    void callerMistakesThrowIllegalArgumentException() {
        assertThrows(IllegalArgumentException.class, () -> RepoKeys.derive(null));
        assertThrows(IllegalArgumentException.class, () -> RepoKeys.derive(MASTER).keyCheck(null));
        assertThrows(IllegalArgumentException.class,
                () -> RepoKeys.derive(MASTER).chunkIdHasher().hash(new byte[4], 2, 3));
    }

    @Test
    void warmUpRuns() {
        RepoKeys.warmUp();
    }
}
