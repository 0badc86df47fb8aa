package dev.pactfs.store;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A partner at a {@code pactfs serve} host: {@code pactfs://HOST:PORT}, whose TLS key has the SHA-256 fingerprint
 * {@code hostKey} (pinned at pairing; docs/format.md, "The serve API"). The tenant's own key is derived from the
 * master key, so nothing secret is held here.
 *
 * @param hostPort {@code HOST:PORT} ({@code [v6]:PORT} for an IPv6 literal)
 * @param hostKey  64 lower-case hex digits
 */
public record ServePartner(String hostPort, String hostKey) {

    public static final String SCHEME = "pactfs://";

    private static final Pattern URI = Pattern.compile("pactfs://((?:\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+):[0-9]{1,5})(/pactfs-[0-9a-f]{32})?/?");
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}");

    public ServePartner {
        if (hostKey == null || !KEY.matcher(hostKey).matches()) {
            throw new IllegalArgumentException("a pactfs serve host key is 64 lower-case hex digits: " + hostKey);
        }
    }

    /** Whether {@code partner} (as given to --partner or read from a config) names a serve host. */
    public static boolean isUri(String partner) {
        return partner != null && partner.startsWith(SCHEME);
    }

    /** Parses {@code pactfs://HOST:PORT} (a trailing {@code /pactfs-<repo-id>} is allowed, see {@link #copyIn}). */
    public static ServePartner parse(String uri, String hostKey) {
        Matcher m = URI.matcher(uri);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a pactfs://HOST:PORT partner: " + uri);
        }
        return new ServePartner(m.group(1), hostKey);
    }

    /** The repo id of the copy {@code uri} names ({@code pactfs://HOST:PORT/pactfs-<id>}), or null. */
    public static String copyIn(String uri) {
        Matcher m = URI.matcher(uri);
        return m.matches() && m.group(2) != null ? m.group(2).substring("/pactfs-".length()) : null;
    }

    /** {@code pactfs://HOST:PORT}, as the repo's config and messages name it. */
    public String uri() {
        return SCHEME + hostPort;
    }
}
