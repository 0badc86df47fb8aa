package dev.pactfs.host;

import dev.pactfs.partner.PartnerTarget.Kind;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One object a tenant may address: a file of a partner copy, {@code pactfs-<repo-id>/<file>} in the layout of
 * docs/format.md. The grammar is a whitelist, so traversal ({@code ..}, {@code //}, absolute paths), encoded
 * characters and any name the format does not define are refused before a path is ever built from it.
 *
 * @param copy the copy directory's name, {@code pactfs-<32 hex>}
 * @param kind which file
 * @param name the 64-hex content name, or {@code "config"}
 */
record ObjectPath(String copy, Kind kind, String name) {

    private static final Pattern COPY = Pattern.compile("pactfs-[0-9a-f]{32}");
    private static final Pattern OBJECT = Pattern.compile(
            "(pactfs-[0-9a-f]{32})/(?:(config)|packs/([0-9a-f]{2})/([0-9a-f]{64})|(index|snapshots|manifests)/([0-9a-f]{64}))");

    /** The object {@code rel} names, or null when it names none (the caller answers 400). */
    static ObjectPath parse(String rel) {
        Matcher m = OBJECT.matcher(rel);
        if (!m.matches()) {
            return null;
        }
        if (m.group(2) != null) {
            return new ObjectPath(m.group(1), Kind.CONFIG, "config");
        }
        if (m.group(4) != null) {
            // packs/<xx>/ must be the name's own first two digits, or one pack could sit under two paths.
            return m.group(4).startsWith(m.group(3)) ? new ObjectPath(m.group(1), Kind.PACK, m.group(4)) : null;
        }
        return new ObjectPath(m.group(1), dirKind(m.group(5)), m.group(6));
    }

    /** Whether {@code s} is a copy directory's name. */
    static boolean isCopy(String s) {
        return COPY.matcher(s).matches();
    }

    /** The kind whose files live in directory {@code dir} ("packs", "index", ...), or null. */
    static Kind dirKind(String dir) {
        return switch (dir) {
            case "packs" -> Kind.PACK;
            case "index" -> Kind.INDEX;
            case "snapshots" -> Kind.SNAPSHOT;
            case "manifests" -> Kind.MANIFEST;
            default -> null;
        };
    }

    /** Whether the format names this object by the SHA-256 of its bytes (every file but {@code config}). */
    boolean contentNamed() {
        return kind != Kind.CONFIG;
    }
}
