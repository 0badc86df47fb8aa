package dev.pactfs.snapshot;

import java.util.List;

/**
 * restore's --include and --exclude, as restic's: an entry is left out when an exclude pattern names it or a
 * directory above it; with include patterns, only entries they name (or that lie below what they name) are
 * restored, plus the directories on the way to them. An exclude wins over an include. Immutable.
 */
public record RestoreFilter(List<PathPattern> includes, List<PathPattern> excludes) {

    public RestoreFilter {
        includes = List.copyOf(includes);
        excludes = List.copyOf(excludes);
    }

    /** Whether the filter leaves everything in. */
    public boolean isEmpty() {
        return includes.isEmpty() && excludes.isEmpty();
    }

    /** Whether {@code path} (a snapshot path, "/a/b") is excluded, with everything below it. */
    public boolean excluded(String path) {
        return excludes.stream().anyMatch(p -> p.matchesOrParent(path));
    }

    /** Whether {@code path} is restored whole (with all below it, bar exclusions). */
    public boolean included(String path) {
        return includes.isEmpty() || includes.stream().anyMatch(p -> p.matchesOrParent(path));
    }

    /** Whether an include pattern may name something below the directory {@code path}. */
    public boolean mayIncludeBelow(String path) {
        return includes.stream().anyMatch(p -> p.mayMatchBelow(path));
    }
}
