package dev.pactfs.partner;

/**
 * The newest manifest a partner that enforces the manifest chain (a {@code pactfs serve} host) has accepted for
 * one copy: its sequence number and its name (the SHA-256 of its bytes, which the next manifest must carry as
 * {@code prev}). {@link #NONE} (sequence 0) when the host has accepted none yet.
 *
 * @param seq  sequence number, 0: none
 * @param name 64 hex digits; {@link Manifest#NO_PREV} when {@code seq} is 0
 */
public record ManifestHead(long seq, String name) {

    public static final ManifestHead NONE = new ManifestHead(0, Manifest.NO_PREV);

    /** The wire form of the serve API's {@code GET /v1/head/...}: {@code "<seq> <name>"}. */
    public String line() {
        return seq + " " + name;
    }

    /** Parses {@link #line()}; null when {@code s} is not one. */
    public static ManifestHead parse(String s) {
        String[] p = s.trim().split(" ");
        if (p.length != 2 || !p[0].matches("\\d{1,18}") || !p[1].matches("[0-9a-f]{64}")) {
            return null;
        }
        return new ManifestHead(Long.parseLong(p[0]), p[1]);
    }
}
