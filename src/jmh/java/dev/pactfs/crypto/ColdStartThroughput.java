package dev.pactfs.crypto;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/*
 * Throughput of the first MiBs a fresh JVM seals or opens: what JMH's warm-up hides. Run each mode in
 * its own JVM:
 *
 *   java -cp benchmarks.jar dev.pactfs.crypto.ColdStartThroughput seal|open|seal-oneshot|open-oneshot [warm] [MiB]
 *
 * "seal"/"open" use BlobCipher (-Dpiece=N overrides its update() piece size); "*-oneshot" call one doFinal() on the whole
 * 1 MiB buffer, the pattern FACTS.md measured at ≈ 60 MB/s in a cold JVM. "warm" calls
 * RepoKeys.warmUp() first and reports how long it took. Blobs to open are sealed beforehand with
 * Bouncy Castle so the JDK's GCM code stays cold. Prints MB/s for each 20 MiB slice and overall.
 */
public final class ColdStartThroughput {

    private static final int BLOB = 1 << 20;

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "seal";
        boolean warm = args.length > 1 && args[1].equals("warm");
        int mib = args.length > 2 ? Integer.parseInt(args[2]) : 200;

        MasterKey master = MasterKey.of(new byte[MasterKey.LENGTH]);
        byte[] plain = new byte[BLOB];
        new Random(1).nextBytes(plain);
        byte[] id = new byte[ChunkId.LENGTH];
        byte[][] sealed = mode.startsWith("open") ? sealWithBouncyCastle(master, id, plain, mib) : null;

        if (warm) {
            long w0 = System.nanoTime();
            RepoKeys.warmUp();
            System.out.printf("warmUp: %.0f ms%n", (System.nanoTime() - w0) / 1e6);
        }
        RepoKeys keys = RepoKeys.derive(master);
        Integer piece = Integer.getInteger("piece");
        BlobCipher cipher = piece == null ? keys.blobCipher()
                : new AesGcmBlobCipher(RepoKeys.hkdf(master.toBytes(), RepoKeys.INFO_ENC), piece);
        SecretKeySpec kEnc = new SecretKeySpec(RepoKeys.hkdf(master.toBytes(), RepoKeys.INFO_ENC), "AES");
        Cipher oneShot = Cipher.getInstance("AES/GCM/NoPadding");
        SecureRandom rnd = new SecureRandom();

        long start = System.nanoTime();
        long sliceStart = start;
        for (int i = 0; i < mib; i++) {
            switch (mode) {
                case "seal" -> cipher.seal(BlobType.CHUNK, id, plain);
                case "open" -> cipher.open(BlobType.CHUNK, id, sealed[i]);
                case "seal-oneshot" -> {
                    byte[] nonce = new byte[12];
                    rnd.nextBytes(nonce);
                    oneShot.init(Cipher.ENCRYPT_MODE, kEnc, new GCMParameterSpec(128, nonce));
                    oneShot.updateAAD(AesGcmBlobCipher.aad(BlobType.CHUNK, id));
                    oneShot.doFinal(plain);
                }
                case "open-oneshot" -> {
                    byte[] s = sealed[i];
                    oneShot.init(Cipher.DECRYPT_MODE, kEnc, new GCMParameterSpec(128, s, 1, 12));
                    oneShot.updateAAD(AesGcmBlobCipher.aad(BlobType.CHUNK, id));
                    oneShot.doFinal(s, 13, s.length - 13);
                }
                default -> throw new IllegalArgumentException("mode " + mode);
            }
            if ((i + 1) % 20 == 0) {
                long now = System.nanoTime();
                System.out.printf("  MiB %3d-%3d: %7.0f MB/s%n", i - 18, i + 1, 20.0 * BLOB / ((now - sliceStart) / 1e3));
                sliceStart = now;
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("%s%s: first %d MiB in %.3f s = %.0f MB/s%n", mode, warm ? " (after warmUp)" : "",
                mib, secs, mib * (double) BLOB / secs / 1e6);
    }

    private static byte[][] sealWithBouncyCastle(MasterKey master, byte[] id, byte[] plain, int n) throws Exception {
        byte[] kEnc = RepoKeys.hkdf(master.toBytes(), RepoKeys.INFO_ENC);
        byte[] aad = new byte[7 + id.length];
        System.arraycopy("pactfs".getBytes(StandardCharsets.US_ASCII), 0, aad, 0, 6);
        aad[6] = (byte) BlobType.CHUNK.code;
        System.arraycopy(id, 0, aad, 7, id.length);
        byte[][] out = new byte[n][];
        SecureRandom rnd = new SecureRandom();
        for (int i = 0; i < n; i++) {
            byte[] nonce = new byte[12];
            rnd.nextBytes(nonce);
            GCMBlockCipher gcm = (GCMBlockCipher) GCMBlockCipher.newInstance(AESEngine.newInstance());
            gcm.init(true, new AEADParameters(new KeyParameter(kEnc), 128, nonce, aad));
            byte[] s = new byte[BlobCipher.OVERHEAD + plain.length];
            s[0] = BlobCipher.VERSION;
            System.arraycopy(nonce, 0, s, 1, 12);
            int k = gcm.processBytes(plain, 0, plain.length, s, 13);
            gcm.doFinal(s, 13 + k);
            out[i] = s;
        }
        return out;
    }
}
