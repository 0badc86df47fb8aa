package dev.pactfs.partner;

import java.nio.file.Path;

/** Factories for {@link PartnerTarget}s and their wrappers. */
public final class PartnerTargets {

    private PartnerTargets() {
    }

    /** The copy directory of repo {@code repoId} under the partner directory (as given to {@code init --partner}). */
    public static Path copyDir(Path partnerDir, String repoId) {
        return partnerDir.resolve("pactfs-" + repoId);
    }

    /** A target on the copy directory {@code copyDir} ({@code <partner>/pactfs-<id>}); never creates that directory. */
    public static PartnerTarget directory(Path copyDir) {
        return new DirectoryTarget(copyDir);
    }

    /** An empty in-memory target (tests). */
    public static PartnerTarget memory() {
        return new MemoryTarget();
    }

    /** {@code inner}, refusing writes unless its config names {@code repoId}. */
    public static PartnerTarget guarded(PartnerTarget inner, String repoId) {
        return new GuardedTarget(inner, repoId);
    }

    /**
     * {@code inner} with every operation under a deadline: a hung partner mount fails the operation with
     * {@link PartnerTimeoutException} instead of blocking its caller forever. Closing it releases every waiting
     * caller at once. Put it innermost (under the bandwidth cap, whose pacing is not partner I/O).
     */
    public static PartnerTarget timed(PartnerTarget inner, PartnerTimeouts timeouts) {
        return new TimedTarget(inner, timeouts);
    }

    /** {@code inner}, adding the bytes of every load to {@code loaded} (thread-safe). */
    public static PartnerTarget counting(PartnerTarget inner, java.util.concurrent.atomic.LongAdder loaded) {
        return new CountingTarget(inner, loaded);
    }

    /** {@code inner}, paced to {@code bytesPerSecond}. */
    public static PartnerTarget rateLimited(PartnerTarget inner, long bytesPerSecond) {
        return new RateLimitedTarget(inner, bytesPerSecond);
    }

    /** Throws {@link PartnerUnavailableException} unless {@code target}'s config names {@code repoId}. */
    public static void checkOwnership(PartnerTarget target, String repoId) throws PartnerUnavailableException {
        new GuardedTarget(target, repoId).check();
    }
}
