package dev.pactfs.cli;

import dev.pactfs.chunk.CutPlan;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The second thread of {@code put}'s chunking: reads a regular file from a start offset on and feeds a
 * {@link CutPlan}, so the put's own chunker (on the thread that also reads, copies and hands out every chunk)
 * hashes only up to where it meets the plan. On already-stored data that single chunking thread was the bound.
 */
final class CutPlanHelper {

    /** Files smaller than this are chunked by one thread: the helper's start-up and overlap would not pay. */
    static final long MIN_FILE_BYTES = 64L << 20;
    /**
     * Where the helper starts, as a fraction of the file. The put thread also reads, copies and submits every chunk,
     * so an even split of the hashing leaves it the longer path; but on two cores the put workers' HMAC and lookups
     * share the same CPUs, and the total, not that path, bounds the wall time, so the plain half is kept.
     */
    static final double START_FRACTION = 0.5;

    private CutPlanHelper() {
    }

    /** A plan being filled from {@code file} of {@code size} bytes by a new daemon thread, or null for a small file. */
    static CutPlan start(Path file, long size, java.util.function.LongFunction<CutPlan> newPlan) {
        if (size < MIN_FILE_BYTES) {
            return null;
        }
        long start = DirectReader.align(file, (long) (size * START_FRACTION));
        CutPlan plan = newPlan.apply(start);
        Thread t = new Thread(() -> fill(plan, file), "pactfs-cut-plan");
        t.setDaemon(true);
        t.start();
        return plan;
    }

    /** Feeds the plan until the end of the file or until it is cancelled; a read error just ends the plan early. */
    private static void fill(CutPlan plan, Path file) {
        byte[] buf = new byte[DirectReader.READ_BYTES];
        try (DirectReader in = DirectReader.open(file, plan.start())) {
            while (!plan.cancelled()) {
                int got = in.read(buf, 0, buf.length);
                if (got <= 0) {
                    break;
                }
                plan.feed(buf, 0, got);
            }
        } catch (IOException e) {
            // The put's chunker hashes whatever the plan lacks: same boundaries, only slower.
        }
    }
}
