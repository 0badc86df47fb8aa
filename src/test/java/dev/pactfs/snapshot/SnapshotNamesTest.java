package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which names a snapshot may have: each refused one would break `snapshot list`, SNAPSHOT:PATH or a shell. */
class SnapshotNamesTest {

    @Test
    void refusesNamesThatBreakListingsPathsOrCommandLines() {
        for (String bad : List.of("", ".", "..", "a/b", "a:b", "nightly\nfake", "tab\there", "bell\u0007", "del\u007f",
                "nul\0", "-rf", "--help", " leading-space", "x".repeat(256))) {
            SnapshotException e = assertThrows(SnapshotException.class, () -> SnapshotService.checkName(bad),
                    "accepted " + bad);
            assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        }
    }

    @Test
    void acceptsOrdinaryNames() {
        for (String ok : List.of("nightly-2026-12-04", "2026-12-06T041900Z", "before upgrade", "a-", "é", "x".repeat(255),
                SnapshotService.defaultName(0))) {
            assertDoesNotThrow(() -> SnapshotService.checkName(ok), ok);
        }
    }
}
