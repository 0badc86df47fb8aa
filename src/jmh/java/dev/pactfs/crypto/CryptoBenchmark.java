package dev.pactfs.crypto;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/*
 * Warm throughput of the crypto hot path on 1 MiB (the average chunk): chunk id (HMAC-SHA256), seal and
 * open (AES-256-GCM). Scores are operations per second on one 1 MiB buffer: MB/s = score x 1.048576.
 * sealPieces compares update() piece sizes (production uses AesGcmBlobCipher.PIECE_BYTES).
 *
 *   mvn -o -Pjmh -DskipTests package -Dpactfs.buildDir=/tmp/build-crypto
 *   java -jar /tmp/build-crypto/benchmarks.jar Crypto -f 1 -wi 3 -i 5
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CryptoBenchmark {

    @Param({"1048576"})
    public int size;

    private byte[] plain;
    private byte[] sealed;
    private byte[] id;
    private BlobCipher cipher;
    private ChunkIdHasher hasher;

    @Setup(Level.Trial)
    public void setUp() {
        RepoKeys keys = RepoKeys.derive(MasterKey.generate());
        cipher = keys.blobCipher();
        hasher = keys.chunkIdHasher();
        plain = new byte[size];
        new Random(1).nextBytes(plain);
        id = hasher.hash(plain).toBytes();
        sealed = cipher.seal(BlobType.CHUNK, id, plain);
    }

    @Benchmark
    public ChunkId chunkId() {
        return hasher.hash(plain, 0, plain.length);
    }

    @Benchmark
    public byte[] seal() {
        return cipher.seal(BlobType.CHUNK, id, plain);
    }

    @Benchmark
    public byte[] open() throws BlobCorruptException {
        return cipher.open(BlobType.CHUNK, id, sealed);
    }

    /** The JDK's own GCM decryption in one doFinal(), which open() avoids. */
    @Benchmark
    public byte[] openJdkDecrypt() throws BlobCorruptException {
        return ((AesGcmBlobCipher) cipher).openWithJdkDecrypt(BlobType.CHUNK, id, sealed, 0, sealed.length);
    }

    /** Seal with a given update() piece size, to choose PIECE_BYTES. */
    @State(Scope.Thread)
    public static class Pieces {
        @Param({"4096", "16384", "65536", "1048576"})
        public int piece;

        BlobCipher cipher;

        @Setup(Level.Trial)
        public void setUp() {
            byte[] k = new byte[32];
            new Random(2).nextBytes(k);
            cipher = new AesGcmBlobCipher(k, piece);
        }
    }

    @Benchmark
    public byte[] sealPieces(Pieces p) {
        return p.cipher.seal(BlobType.CHUNK, id, plain);
    }
}
