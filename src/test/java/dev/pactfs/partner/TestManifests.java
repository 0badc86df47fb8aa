package dev.pactfs.partner;

import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.crypto.RepoKeys;
import java.security.SecureRandom;
import java.util.List;

/** Real signed manifests for tests outside the partner package (the host's chain tests). */
public final class TestManifests {

    private TestManifests() {
    }

    /** The keys of a repository whose master key is {@code fill} repeated. */
    public static RepoKeys keys(int fill) {
        byte[] m = new byte[MasterKey.LENGTH];
        java.util.Arrays.fill(m, (byte) fill);
        return RepoKeys.derive(MasterKey.of(m));
    }

    /**
     * A checkpoint manifest of {@code repoId} at {@code seq} after {@code prev} (64 hex; {@link #NO_PREV} for the
     * first), signed by {@code signer} and sealed with {@code keys}' cipher; each call gives other bytes (a fresh
     * file id), as two homes would.
     */
    public static byte[] build(RepoKeys keys, ManifestKey signer, String repoId, long seq, String prev) {
        List<Manifest.Obj> objs = List.of(new Manifest.Obj('P', "ab".repeat(32), 1000));
        Manifest.Body body = new Manifest.Body(Manifest.CHECKPOINT, List.of(), objs, List.of(), List.of());
        return Manifest.write(keys.blobCipher(), signer, new SecureRandom(), repoId, seq, System.currentTimeMillis(),
                prev, Manifest.root(objs), objs.size(), 1000, body).bytes();
    }

    public static final String NO_PREV = Manifest.NO_PREV;

    /**
     * {@code m} with one bit of its signed time changed and the envelope's checksum made right again, as a forger
     * would: only the signature can tell.
     */
    public static byte[] withForgedTime(byte[] m) {
        byte[] out = m.clone();
        int repoIdLen = ((out[Envelope.HEADER + 6] & 0xff) << 8) | (out[Envelope.HEADER + 7] & 0xff);
        out[Envelope.HEADER + 4 + 2 + 2 + repoIdLen + 8 + 7] ^= 1; // clearLen(4), 'M' + version, str, seq, time's low byte
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(out);
        b.position(out.length - Envelope.FOOTER);
        Envelope.writeFooter(b);
        return out;
    }

    /** The name of a partner file: the SHA-256 of its bytes. */
    public static String nameOf(byte[] file) {
        return Envelope.nameOf(file);
    }
}
