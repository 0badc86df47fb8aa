package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** restic's pattern rules, as restore --include/--exclude and find use them. */
class PathPatternTest {

    @Test
    void aRelativePatternMatchesAtAnyDepthAndAnAnchoredOneOnlyAtTheRoot() {
        assertTrue(PathPattern.parse("*.log").matches("/var/log/x.log"));
        assertTrue(PathPattern.parse("log/*.gz").matches("/var/log/a.gz"));
        assertFalse(PathPattern.parse("log/*.gz").matches("/var/log/sub/a.gz"));
        assertTrue(PathPattern.parse("/var/log").matches("/var/log"));
        assertFalse(PathPattern.parse("/log").matches("/var/log"));
        assertFalse(PathPattern.parse("*.log").matches("/var/log/x.log.1"));
    }

    @Test
    void starAndQuestionMarkStayWithinOneName() {
        assertFalse(PathPattern.parse("/var/*").matches("/var/log/x"));
        assertTrue(PathPattern.parse("/var/*/x").matches("/var/log/x"));
        assertTrue(PathPattern.parse("a?c").matches("/abc"));
        assertTrue(PathPattern.parse("a?c").matches("/aéc"), "'?' is one character, not one byte");
        assertFalse(PathPattern.parse("a?c").matches("/ac"));
    }

    @Test
    void doubleStarMatchesAnyNumberOfDirectoriesIncludingNone() {
        PathPattern p = PathPattern.parse("/home/**/.cache");
        assertTrue(p.matches("/home/.cache"));
        assertTrue(p.matches("/home/ann/.cache"));
        assertTrue(p.matches("/home/ann/x/y/.cache"));
        assertFalse(p.matches("/srv/ann/.cache"));
    }

    @Test
    void classesRangesNegationAndEscapes() {
        assertTrue(PathPattern.parse("file[0-9]").matches("/file7"));
        assertFalse(PathPattern.parse("file[0-9]").matches("/filex"));
        assertTrue(PathPattern.parse("file[!0-9]").matches("/filex"));
        assertTrue(PathPattern.parse("file[^0-9]").matches("/filex"));
        assertTrue(PathPattern.parse("a\\*b").matches("/a*b"));
        assertFalse(PathPattern.parse("a\\*b").matches("/axb"));
        assertThrows(IllegalArgumentException.class, () -> PathPattern.parse("file[0-9"));
        assertThrows(IllegalArgumentException.class, () -> PathPattern.parse(""));
    }

    @Test
    void aPatternNamingADirectoryAlsoCoversEverythingBelowIt() {
        PathPattern p = PathPattern.parse("/var/cache");
        assertFalse(p.matches("/var/cache/apt/x.deb"));
        assertTrue(p.matchesOrParent("/var/cache/apt/x.deb"));
        assertTrue(PathPattern.parse("cache").matchesOrParent("/var/cache/apt"));
        assertFalse(p.matchesOrParent("/var/cached"));
    }

    @Test
    void anAnchoredIncludeLooksOnlyIntoDirectoriesOnItsWay() {
        PathPattern p = PathPattern.parse("/etc/ssh/*.conf");
        assertTrue(p.mayMatchBelow("/"));
        assertTrue(p.mayMatchBelow("/etc"));
        assertTrue(p.mayMatchBelow("/etc/ssh"));
        assertFalse(p.mayMatchBelow("/usr"));
        assertFalse(p.mayMatchBelow("/etc/ssh/x.conf"));
        assertTrue(PathPattern.parse("*.conf").mayMatchBelow("/usr/share"));
    }

    @Test
    void anExcludeWinsOverAnInclude() {
        RestoreFilter f = new RestoreFilter(List.of(PathPattern.parse("/etc")), List.of(PathPattern.parse("*.key")));
        assertTrue(f.included("/etc/ssh/sshd_config"));
        assertTrue(f.excluded("/etc/ssh/host.key"));
        assertFalse(f.included("/usr/bin/ls"));
        assertEquals("/etc", f.includes().get(0).toString());
    }
}
