package dev.pactfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BlobCipherTest {

    private static final RepoKeys KEYS = RepoKeys.derive(MasterKey.generate());
    private static final BlobCipher CIPHER = KEYS.blobCipher();

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 65535, 65536, 65537, 131072, 1 << 20, (1 << 20) + 3})
    void sealedBlobOpensToTheSamePlaintext(int size) throws Exception {
        byte[] plain = random(size, size);
        byte[] id = random(32, 1);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, plain);
        assertEquals(size + BlobCipher.OVERHEAD, sealed.length);
        assertEquals(BlobCipher.VERSION, sealed[0]);
        assertArrayEquals(plain, CIPHER.open(BlobType.CHUNK, id, sealed));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 16, 4095, 4096, 4097, 100_000})
    void openAgreesWithTheJdkGcmDecryption(int size) throws Exception {
        AesGcmBlobCipher c = (AesGcmBlobCipher) CIPHER;
        byte[] id = random(32, size + 1L);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(size, size));
        assertArrayEquals(c.openWithJdkDecrypt(BlobType.CHUNK, id, sealed, 0, sealed.length),
                CIPHER.open(BlobType.CHUNK, id, sealed));
        sealed[sealed.length - 1] ^= 1;
        assertThrows(BlobCorruptException.class, () -> c.openWithJdkDecrypt(BlobType.CHUNK, id, sealed, 0, sealed.length));
        assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.CHUNK, id, sealed));
    }

    @Test
    void oneBlobOpensManyTimesInARow() throws Exception {
        byte[] id = random(32, 20);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(5000, 21));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(random(5000, 21), CIPHER.open(BlobType.CHUNK, id, sealed));
        }
    }

    @Test
    void otherPieceSizesProduceTheSameFormat() throws Exception {
        byte[] k = random(32, 22);
        AesGcmBlobCipher small = new AesGcmBlobCipher(k, 16);
        AesGcmBlobCipher big = new AesGcmBlobCipher(k, 1 << 20);
        byte[] id = random(32, 23);
        byte[] plain = random(70_001, 24);
        assertArrayEquals(plain, big.open(BlobType.TREE, id, small.seal(BlobType.TREE, id, plain)));
        assertArrayEquals(plain, small.open(BlobType.TREE, id, big.seal(BlobType.TREE, id, plain)));
    }

    @Test
    void sealAndOpenHonourOffsetAndLength() throws Exception {
        byte[] buf = random(1000, 7);
        byte[] sealed = CIPHER.seal(BlobType.TREE, new byte[0], buf, 100, 500);
        byte[] framed = new byte[sealed.length + 20];
        System.arraycopy(sealed, 0, framed, 10, sealed.length);
        assertArrayEquals(Arrays.copyOfRange(buf, 100, 600),
                CIPHER.open(BlobType.TREE, new byte[0], framed, 10, sealed.length));
    }

    @Test
    void everySingleBitFlipOfASmallBlobIsDetected() {
        byte[] id = random(32, 2);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(100, 3));
        for (int bit = 0; bit < sealed.length * 8; bit++) {
            byte[] bad = sealed.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            final int b = bit;
            BlobCorruptException e = assertThrows(BlobCorruptException.class,
                    () -> CIPHER.open(BlobType.CHUNK, id, bad), () -> "flip of bit " + b + " went unnoticed");
            String expected = bit < 8 ? "unknown version" : "authentication failed";
            assertTrue(e.getMessage().contains(expected), e.getMessage());
        }
    }

    @Test
    void aBlobSealedForOneTypeDoesNotOpenAsAnother() {
        byte[] id = random(32, 4);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(64, 5));
        for (BlobType other : BlobType.values()) {
            if (other != BlobType.CHUNK) {
                assertThrows(BlobCorruptException.class, () -> CIPHER.open(other, id, sealed));
            }
        }
    }

    @Test
    void aBlobSealedForOneIdDoesNotOpenUnderAnother() {
        byte[] id = random(32, 6);
        byte[] sealed = CIPHER.seal(BlobType.SNAPSHOT, id, random(64, 7));
        byte[] otherId = id.clone();
        otherId[31] ^= 1;
        assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.SNAPSHOT, otherId, sealed));
        assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.SNAPSHOT, Arrays.copyOf(id, 31), sealed));
        assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.SNAPSHOT, Arrays.copyOf(id, 33), sealed));
    }

    @Test
    void idsOfAnyLengthIncludingEmptyAreBound() throws Exception {
        byte[] empty = new byte[0];
        byte[] sealed = CIPHER.seal(BlobType.INDEX, empty, random(10, 8));
        assertArrayEquals(random(10, 8), CIPHER.open(BlobType.INDEX, empty, sealed));
        assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.INDEX, new byte[1], sealed));
        byte[] longId = "snapshots/2026-11-26-nightly".getBytes(StandardCharsets.UTF_8);
        byte[] sealed2 = CIPHER.seal(BlobType.SNAPSHOT, longId, random(10, 9));
        assertArrayEquals(random(10, 9), CIPHER.open(BlobType.SNAPSHOT, longId, sealed2));
    }

    @Test
    void aBlobDoesNotOpenUnderAnotherRepositorysKey() {
        byte[] id = random(32, 10);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(64, 11));
        BlobCipher other = RepoKeys.derive(MasterKey.generate()).blobCipher();
        assertThrows(BlobCorruptException.class, () -> other.open(BlobType.CHUNK, id, sealed));
    }

    @Test
    void truncatedBlobsAreReportedAsTooShort() {
        byte[] id = random(32, 12);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, new byte[0]);
        for (int len = 0; len < BlobCipher.OVERHEAD; len++) {
            final int l = len;
            BlobCorruptException e = assertThrows(BlobCorruptException.class,
                    () -> CIPHER.open(BlobType.CHUNK, id, sealed, 0, l));
            assertTrue(e.getMessage().contains("too short"), e.getMessage());
        }
    }

    @Test
    void anUnknownVersionIsNamedInTheMessage() {
        byte[] id = random(32, 13);
        byte[] sealed = CIPHER.seal(BlobType.CHUNK, id, random(40, 14));
        sealed[0] = 2;
        BlobCorruptException e = assertThrows(BlobCorruptException.class, () -> CIPHER.open(BlobType.CHUNK, id, sealed));
        assertTrue(e.getMessage().contains("unknown version 2"), e.getMessage());
    }

    @Test
    void twoSealsOfTheSamePlaintextDiffer() {
        byte[] id = random(32, 15);
        byte[] plain = random(100, 16);
        assertNotEquals(Arrays.toString(CIPHER.seal(BlobType.CHUNK, id, plain)),
                Arrays.toString(CIPHER.seal(BlobType.CHUNK, id, plain)));
    }

    @Test
    void callerMistakesThrowIllegalArgumentException() {
        byte[] buf = new byte[10];
        assertThrows(IllegalArgumentException.class, () -> CIPHER.seal(BlobType.CHUNK, null, buf));
        assertThrows(IllegalArgumentException.class, () -> CIPHER.seal(null, new byte[0], buf));
        assertThrows(IllegalArgumentException.class, () -> CIPHER.seal(BlobType.CHUNK, new byte[0], buf, 5, 6));
        assertThrows(IllegalArgumentException.class, () -> CIPHER.seal(BlobType.CHUNK, new byte[0], buf, -1, 2));
        assertThrows(IllegalArgumentException.class, () -> CIPHER.open(BlobType.CHUNK, new byte[0], buf, 8, 3));
    }

    /** An independent AES-GCM (Bouncy Castle) opens the blob as package-info.java documents it. */
    @Test
    void theBlobLayoutMatchesTheDocumentedFormat() throws Exception {
        MasterKey master = MasterKey.generate();
        byte[] id = random(32, 17);
        byte[] plain = random(200_000, 18);
        byte[] sealed = RepoKeys.derive(master).blobCipher().seal(BlobType.TREE, id, plain);

        byte[] kEnc = HkdfReference.hkdfSha256(master.toBytes(), "pactfs enc v1", 32);
        GCMBlockCipher gcm = (GCMBlockCipher) GCMBlockCipher.newInstance(AESEngine.newInstance());
        byte[] aad = new byte[6 + 1 + id.length];
        System.arraycopy("pactfs".getBytes(StandardCharsets.US_ASCII), 0, aad, 0, 6);
        aad[6] = (byte) BlobType.TREE.code;
        System.arraycopy(id, 0, aad, 7, id.length);
        gcm.init(false, new AEADParameters(new KeyParameter(kEnc), 128, Arrays.copyOfRange(sealed, 1, 13), aad));
        byte[] out = new byte[gcm.getOutputSize(sealed.length - 13)];
        int n = gcm.processBytes(sealed, 13, sealed.length - 13, out, 0);
        n += gcm.doFinal(out, n);
        assertEquals(plain.length, n);
        assertArrayEquals(plain, out);
    }

    @Test
    void theCipherIsSafeToShareBetweenThreads() throws Exception {
        int threads = 4;
        Thread[] ts = new Thread[threads];
        Throwable[] errors = new Throwable[threads];
        for (int t = 0; t < threads; t++) {
            final int me = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        byte[] id = random(32, me * 1000L + i);
                        byte[] plain = random(1 + i * 513, i);
                        BlobType type = BlobType.values()[i % BlobType.values().length];
                        if (!Arrays.equals(plain, CIPHER.open(type, id, CIPHER.seal(type, id, plain)))) {
                            fail("round trip differs");
                        }
                    }
                } catch (Throwable e) {
                    errors[me] = e;
                }
            });
            ts[t].start();
        }
        for (int t = 0; t < threads; t++) {
            ts[t].join();
            if (errors[t] != null) {
                throw new AssertionError("thread " + t, errors[t]);
            }
        }
    }
}
