package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hung partner (a hard NFS mount whose server went away) blocks a syscall forever; here a target whose chosen
 * verb waits on a latch stands in for it. Deadlines are short so the tests do not wait long; nothing here
 * measures speed, only that calls return and what they say.
 */
@Timeout(120)
class PartnerTimeoutTest {

    @TempDir
    Path tmp;

    static final PartnerTimeouts SHORT = new PartnerTimeouts(Duration.ofMillis(300), Duration.ofMillis(300));

    /** Blocks {@code save} of packs, or {@code usableSpace}, or {@code stat}, until released. */
    static final class HangingTarget extends ForwardingTarget {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        final String verb;

        HangingTarget(PartnerTarget inner, String verb) {
            super(inner);
            this.verb = verb;
        }

        private void hangIf(String v) {
            if (v.equals(verb) && release.getCount() > 0) {
                calls.incrementAndGet();
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new UncheckedIOException(new IOException("interrupted"));
                }
            }
        }

        @Override
        public void save(Kind kind, String name, byte[] data) throws IOException {
            if (kind == Kind.PACK) {
                hangIf("save");
            }
            inner.save(kind, name, data);
        }

        @Override
        public long usableSpace() throws IOException {
            hangIf("usableSpace");
            return inner.usableSpace();
        }

        @Override
        public long stat(Kind kind, String name) throws IOException {
            hangIf("stat");
            return inner.stat(kind, name);
        }
    }

    private static void awaitNoneHung(TimedTarget t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (t.hung() > 0) {
            assertTrue(System.nanoTime() < deadline, "the released operation never returned");
            Thread.sleep(10);
        }
    }

    @Test
    void aPackSaveThatHangsFailsThePassStatusSaysSoAndTheNextPassAdoptsWhatTheStuckSaveLeft() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            f.snapshot("a", PartnerFixture.night(1, 7, 3, 40_000));
            HangingTarget hanging = new HangingTarget(f.target(), "save");
            TimedTarget timed = new TimedTarget(hanging, SHORT);
            Replicator rep = f.replicator(timed, 1 << 20);

            PartnerTimeoutException e = assertThrows(PartnerTimeoutException.class, rep::runPass);
            assertTrue(e.getMessage().startsWith("partner not responding (save of packs/"), e.getMessage());
            assertTrue(e.getMessage().contains("timed out after 0.3 s"), e.getMessage());
            ReplicationStatus down = rep.status();
            assertTrue(down.lastError().startsWith("partner not responding"), down.lastError());
            assertTrue(down.pendingBlobs() > 0);
            assertFalse(down.running(), "the pass must have ended, not be waiting on the partner");
            assertEquals(1, timed.hung());

            // The partner comes back: the abandoned save completes and publishes its pack; the next pass
            // records it as an orphan instead of sending it again.
            hanging.release.countDown();
            awaitNoneHung(timed);
            Replicator.PassResult r = rep.runPass();
            assertTrue(r.adopted() > 0, "the pack the stuck save published was not adopted: " + r);
            ReplicationStatus up = rep.status();
            assertNull(up.lastError());
            assertEquals(0, up.pendingBlobs());
            assertEquals("a", up.lastSnapshot());
        }
    }

    @Test
    void statusOfAHungPartnerReturnsAndSaysItIsNotResponding() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            f.snapshot("a", PartnerFixture.night(1, 8, 2, 20_000));
            HangingTarget hanging = new HangingTarget(f.target(), "usableSpace");
            try {
                ReplicationStatus s = Replicator.status(f.s.catalog, new TimedTarget(hanging, SHORT), -1, false, null);
                assertEquals(-1, s.partnerFreeBytes());
                assertTrue(s.lastError().startsWith("partner not responding (free space query at "), s.lastError());
                assertTrue(s.pendingBlobs() > 0);
            } finally {
                hanging.release.countDown();
            }
        }
    }

    @Test
    void closingTheBackgroundReplicatorReleasesAPassStuckOnAHungPartner() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            f.snapshot("a", PartnerFixture.night(1, 9, 3, 40_000));
            HangingTarget hanging = new HangingTarget(f.target(), "save");
            // A deadline far beyond the test's: only close() can end the wait.
            TimedTarget timed = new TimedTarget(hanging, new PartnerTimeouts(Duration.ofHours(1), Duration.ofHours(1)));
            Replicator rep = f.replicator(timed, 1 << 20);
            BackgroundReplicator bg = new BackgroundReplicator(rep, null).start();
            try {
                assertTrue(hanging.entered.await(60, TimeUnit.SECONDS), "the pass never reached the pack save");
                assertTrue(rep.status().running());
                bg.close();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (bg.isAlive()) {
                    assertTrue(System.nanoTime() < deadline, "the replication thread is still waiting on the partner");
                    Thread.sleep(10);
                }
                assertFalse(rep.status().running());
                assertThrows(PartnerUnavailableException.class, rep::runPass, "a closed replicator must not start passes");
            } finally {
                hanging.release.countDown();
                bg.close();
            }
        }
    }

    @Test
    void onceEnoughOperationsAreStuckFurtherCallsFailWithoutReachingThePartner() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            HangingTarget hanging = new HangingTarget(f.target(), "stat");
            TimedTarget timed = new TimedTarget(hanging, SHORT);
            try {
                for (int i = 0; i < TimedTarget.MAX_HUNG; i++) {
                    PartnerTimeoutException e = assertThrows(PartnerTimeoutException.class,
                            () -> timed.stat(PartnerTarget.Kind.CONFIG, "config"));
                    assertTrue(e.getMessage().contains("stat of config at " + f.copyDir + " timed out"), e.getMessage());
                }
                assertEquals(TimedTarget.MAX_HUNG, timed.hung());
                PartnerTimeoutException e = assertThrows(PartnerTimeoutException.class,
                        () -> timed.stat(PartnerTarget.Kind.CONFIG, "config"));
                assertTrue(e.getMessage().contains("still blocked"), e.getMessage());
                assertEquals(TimedTarget.MAX_HUNG, hanging.calls.get(), "a call reached the hung partner anyway");
            } finally {
                hanging.release.countDown();
            }
            awaitNoneHung(timed);
            assertTrue(timed.stat(PartnerTarget.Kind.CONFIG, "config") > 0, "calls must work again once the partner is back");
        }
    }

    @Test
    void failuresOfThePartnerItselfPassThroughUnchanged() throws Exception {
        try (PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"))) {
            TimedTarget timed = new TimedTarget(f.target(), SHORT);
            IOException e = assertThrows(IOException.class,
                    () -> timed.load(PartnerTarget.Kind.INDEX, "00".repeat(32)));
            assertTrue(PartnerTarget.isNotFound(e), "not found must stay distinguishable: " + e);
        }
    }
}
