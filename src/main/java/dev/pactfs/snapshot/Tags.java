package dev.pactfs.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A snapshot's tags. A format-2 record holds them as a list (decision 0011); the catalog keeps them in its one tag
 * column joined by commas, as restic writes {@code --tag a,b} (and as format-1 records held them, decision 0008).
 * A tag therefore holds no comma, no control character, and is not empty; the joined field fits
 * {@link SnapshotRecord#TEXT_MAX_BYTES}.
 */
public final class Tags {

    private Tags() {
    }

    /** The tags of a record's tag field, in their stored order; empty for null. */
    public static List<String> of(String field) {
        List<String> out = new ArrayList<>();
        if (field == null) {
            return out;
        }
        for (String t : field.split(",")) {
            if (!t.isEmpty() && !out.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /** The tag field for {@code tags}: null for none. */
    public static String field(Set<String> tags) throws SnapshotException {
        if (tags.isEmpty()) {
            return null;
        }
        String f = String.join(",", tags);
        if (f.getBytes(StandardCharsets.UTF_8).length > SnapshotRecord.TEXT_MAX_BYTES) {
            throw new SnapshotException("tags too long: together at most " + SnapshotRecord.TEXT_MAX_BYTES
                    + " bytes of UTF-8, commas included");
        }
        return f;
    }

    /** Every tag of {@code values} (each may list several, comma-separated, as restic's --tag a,b), checked. */
    public static Set<String> parse(List<String> values) throws SnapshotException {
        Set<String> out = new LinkedHashSet<>();
        for (String v : values) {
            for (String t : v.split(",", -1)) {
                check(t);
                out.add(t);
            }
        }
        return out;
    }

    /** Whether {@code tag} can be a tag: not empty, no comma, no control character. */
    public static boolean valid(String tag) {
        return !tag.isEmpty() && tag.indexOf(',') < 0 && tag.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }

    /** Throws when {@code tag} cannot be a tag. */
    public static void check(String tag) throws SnapshotException {
        if (!valid(tag)) {
            throw new SnapshotException("invalid tag '" + tag.replaceAll("\\p{Cntrl}", "?")
                    + "': not empty, no control characters (a comma separates tags)");
        }
    }
}
