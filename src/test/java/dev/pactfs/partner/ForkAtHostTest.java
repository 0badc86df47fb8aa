package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When home may publish after a host's head, and the one line it says when it may not. */
class ForkAtHostTest {

    static final String A = "a".repeat(64);
    static final String B = "b".repeat(64);

    @Test
    void homePublishesOnlyOnItsOwnHeadOrOnAHostWithoutOne() {
        assertNull(PartnerCheck.forkAtHost(ManifestHead.NONE, new ManifestPublisher.Last(5, A, 0, 0)));
        assertNull(PartnerCheck.forkAtHost(new ManifestHead(5, A), new ManifestPublisher.Last(5, A, 0, 0)));
        String ahead = PartnerCheck.forkAtHost(new ManifestHead(6, B), new ManifestPublisher.Last(5, A, 0, 0));
        assertTrue(ahead.startsWith("FORK at the host: its manifest head is sequence 6 (" + B + "), home's is 5:"), ahead);
        String same = PartnerCheck.forkAtHost(new ManifestHead(5, B), new ManifestPublisher.Last(5, A, 0, 0));
        assertTrue(same.contains("home's is 5 with other bytes"), same);
        String behind = PartnerCheck.forkAtHost(new ManifestHead(3, B), new ManifestPublisher.Last(5, A, 0, 0));
        assertTrue(behind.startsWith("the host's manifest head is sequence 3, behind home's 5"), behind);
        assertEquals(1, ahead.lines().count());
    }

    @Test
    void theHeadLineRoundTripsAndJunkIsNoHead() {
        assertEquals(new ManifestHead(7, A), ManifestHead.parse(new ManifestHead(7, A).line() + "\n"));
        assertEquals("0 " + Manifest.NO_PREV, ManifestHead.NONE.line());
        assertNull(ManifestHead.parse("7"));
        assertNull(ManifestHead.parse("-1 " + A));
        assertNull(ManifestHead.parse("7 " + A.toUpperCase()));
    }
}
