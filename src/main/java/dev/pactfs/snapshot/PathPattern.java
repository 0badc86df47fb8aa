package dev.pactfs.snapshot;

import java.util.ArrayList;
import java.util.List;

/*
 * restic's pattern rules (internal/filter), so a restic user's --include/--exclude and find patterns mean the same:
 *
 * - A pattern is split at '/' into components; each is a shell glob on one name: '*' (any run of characters but
 *   '/'), '?' (one character), '[abc]', '[a-z]', '[^a]' or '[!a]', and '\' quoting the next character.
 * - '**' as a whole component matches any number of components, none included.
 * - A pattern starting with '/' is anchored at the snapshot's root; any other pattern may start at any depth
 *   ("*.log" matches /var/log/x.log, "log/*.gz" matches /var/log/a.gz).
 * - matchesOrParent: a pattern that matches a directory matches everything below it too (restic's Match): that is
 *   what --exclude and --include need ("--exclude /var/cache" leaves out the whole tree). find reports only the
 *   entries a pattern names (matches), not everything under a matching directory.
 *
 * Paths are the snapshot's, absolute ("/etc/passwd"), decoded as UTF-8; a name that is not valid UTF-8 has U+FFFD
 * where its bad bytes were, which '*' and '?' match.
 */

/** One restic-style path pattern: matches snapshot paths such as {@code /home/ann/.cache}. Immutable. */
public final class PathPattern {

    private final String text;
    private final boolean anchored;
    private final List<String> parts;

    private PathPattern(String text, boolean anchored, List<String> parts) {
        this.text = text;
        this.anchored = anchored;
        this.parts = parts;
    }

    /** Parses {@code pattern}; an empty pattern or one with an unclosed '[' is refused with the reason. */
    public static PathPattern parse(String pattern) {
        if (pattern.isEmpty()) {
            throw new IllegalArgumentException("empty pattern");
        }
        boolean anchored = pattern.startsWith("/");
        List<String> parts = new ArrayList<>();
        for (String p : pattern.split("/")) {
            if (!p.isEmpty()) {
                if (!p.equals("**")) {
                    checkSyntax(pattern, p);
                }
                parts.add(p);
            }
        }
        if (parts.isEmpty()) {
            parts.add("**"); // "/" names the whole snapshot
        }
        return new PathPattern(pattern, anchored, List.copyOf(parts));
    }

    /** The pattern as given. */
    @Override
    public String toString() {
        return text;
    }

    /** Whether the pattern names {@code path} itself (find's test). */
    public boolean matches(String path) {
        return matches(components(path));
    }

    /** Whether the pattern names {@code path} or a directory above it (restic's Match: --include, --exclude). */
    public boolean matchesOrParent(String path) {
        List<String> names = components(path);
        for (int end = names.size(); end >= 1; end--) {
            if (matches(names.subList(0, end))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether something below the directory {@code dir} could match (restic's ChildMatch): decides whether
     * restore --include has to look inside a directory the pattern does not name.
     */
    public boolean mayMatchBelow(String dir) {
        if (!anchored) {
            return true; // it may start at any depth below
        }
        List<String> names = components(dir);
        for (int i = 0; i < names.size(); i++) {
            if (i >= parts.size()) {
                return false; // the pattern ends above dir: matchesOrParent decides, not this
            }
            String p = parts.get(i);
            if (p.equals("**")) {
                return true;
            }
            if (!glob(p, 0, names.get(i), 0)) {
                return false;
            }
        }
        return names.size() < parts.size();
    }

    private boolean matches(List<String> names) {
        if (anchored) {
            return match(0, names, 0);
        }
        for (int start = 0; start <= names.size(); start++) {
            if (match(0, names, start)) {
                return true;
            }
        }
        return false;
    }

    /** Whether parts[pi..] matches names[ni..] exactly. */
    private boolean match(int pi, List<String> names, int ni) {
        if (pi == parts.size()) {
            return ni == names.size();
        }
        String p = parts.get(pi);
        if (p.equals("**")) {
            for (int k = ni; k <= names.size(); k++) {
                if (match(pi + 1, names, k)) {
                    return true;
                }
            }
            return false;
        }
        return ni < names.size() && glob(p, 0, names.get(ni), 0) && match(pi + 1, names, ni + 1);
    }

    /** Shell glob of one component, as Go's path.Match. */
    private static boolean glob(String p, int pi, String s, int si) {
        while (pi < p.length()) {
            char c = p.charAt(pi);
            switch (c) {
                case '*' -> {
                    for (int k = s.length(); k >= si; k--) {
                        if (glob(p, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    si += Character.charCount(s.codePointAt(si));
                    pi++;
                }
                case '[' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    int end = classEnd(p, pi);
                    int cp = s.codePointAt(si);
                    if (!inClass(p.substring(pi + 1, end), cp)) {
                        return false;
                    }
                    si += Character.charCount(cp);
                    pi = end + 1;
                }
                default -> {
                    if (c == '\\' && pi + 1 < p.length()) {
                        pi++;
                        c = p.charAt(pi);
                    }
                    if (si >= s.length() || s.charAt(si) != c) {
                        return false;
                    }
                    si++;
                    pi++;
                }
            }
        }
        return si == s.length();
    }

    /** Index of the ']' closing the class opened at {@code open}, or -1. */
    private static int classEnd(String p, int open) {
        int i = open + 1;
        if (i < p.length() && (p.charAt(i) == '^' || p.charAt(i) == '!')) {
            i++;
        }
        if (i < p.length() && p.charAt(i) == ']') {
            i++; // a leading ']' is a member
        }
        for (; i < p.length(); i++) {
            if (p.charAt(i) == '\\') {
                i++;
            } else if (p.charAt(i) == ']') {
                return i;
            }
        }
        return -1;
    }

    private static boolean inClass(String body, int cp) {
        boolean negate = !body.isEmpty() && (body.charAt(0) == '^' || body.charAt(0) == '!');
        int i = negate ? 1 : 0;
        boolean found = false;
        while (i < body.length()) {
            int lo = body.codePointAt(i);
            if (lo == '\\' && i + 1 < body.length()) {
                i++;
                lo = body.codePointAt(i);
            }
            i += Character.charCount(lo);
            int hi = lo;
            if (i + 1 < body.length() && body.charAt(i) == '-') {
                i++;
                hi = body.codePointAt(i);
                if (hi == '\\' && i + 1 < body.length()) {
                    i++;
                    hi = body.codePointAt(i);
                }
                i += Character.charCount(hi);
            }
            found |= lo <= cp && cp <= hi;
        }
        return found != negate;
    }

    private static void checkSyntax(String pattern, String part) {
        for (int i = 0; i < part.length(); i++) {
            if (part.charAt(i) == '\\') {
                i++;
            } else if (part.charAt(i) == '[') {
                int end = classEnd(part, i);
                if (end < 0) {
                    throw new IllegalArgumentException("pattern '" + pattern + "': '[' without its ']'");
                }
                i = end;
            }
        }
    }

    private static List<String> components(String path) {
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
