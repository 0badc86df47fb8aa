package dev.pactfs.crypto;

import java.security.SecureRandom;

/** The repository's 64-byte master key. Every other key is derived from it (see {@link RepoKeys}). */
public final class MasterKey {

    /** Length in bytes. */
    public static final int LENGTH = 64;

    private final byte[] bytes;

    private MasterKey(byte[] bytes) {
        this.bytes = bytes;
    }

    public static MasterKey generate() {
        byte[] b = new byte[LENGTH];
        new SecureRandom().nextBytes(b);
        return new MasterKey(b);
    }

    public static MasterKey of(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("master key must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new MasterKey(bytes.clone());
    }

    /** A copy of the key bytes. */
    public byte[] toBytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "MasterKey[hidden]";
    }
}
