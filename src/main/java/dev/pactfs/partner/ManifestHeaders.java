package dev.pactfs.partner;

import java.util.HexFormat;

/**
 * The keyless check of a manifest file for whoever holds no key but the public one: a {@code pactfs serve} host
 * verifying an upload against its tenant's chain. A thin door onto {@link Manifest#readHeader}, so the format has
 * one parser.
 */
public final class ManifestHeaders {

    private ManifestHeaders() {
    }

    /**
     * What a verified manifest header says.
     *
     * @param repoId    the repository (copy {@code pactfs-<repoId>}) it belongs to
     * @param seq       its sequence number (1 or more)
     * @param prev      the previous manifest's name, {@link Manifest#NO_PREV} for the first
     * @param publicKey the Ed25519 key it is signed with (32 bytes)
     * @param timeMs    when home made it (its own clock, signed; ms since the epoch)
     */
    public record Checked(String repoId, long seq, String prev, byte[] publicKey, long timeMs) {
    }

    /**
     * Checks the whole file {@code file} named {@code name}: envelope, name = SHA-256 of the bytes, the clear part
     * and its Ed25519 signature, under {@code expectedKey} when it is not null (else under the key it carries).
     *
     * @throws PartnerCorruptException not a manifest, damaged, or not signed by {@code expectedKey}; the message
     *                                 says which, in one line
     */
    public static Checked verify(byte[] file, String name, byte[] expectedKey) throws PartnerCorruptException {
        Manifest.Header h = Manifest.readHeader(file, name, expectedKey, true).header();
        return new Checked(h.repoId(), h.seq(), h.prev(), h.publicKey(), h.timeMs());
    }

    /** {@code key} as 64 hex digits (how a host stores it). */
    public static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }
}
