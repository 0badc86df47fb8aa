package dev.pactfs.cli;

import dev.pactfs.partner.BackgroundReplicator;
import dev.pactfs.partner.Bandwidth;
import dev.pactfs.partner.CacheLimit;
import dev.pactfs.partner.PartnerFetcher;
import dev.pactfs.partner.PartnerPrune;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.PartnerTimeouts;
import dev.pactfs.partner.Replicator;
import dev.pactfs.snapshot.PruneListener;
import java.nio.file.Path;

/**
 * Wires the partner layer into an open repo: the target on {@code <partner>/pactfs-<id>}, the replicator, the
 * fetcher for evicted payloads, and (in the mount daemon) the background replicator that commands running
 * inside the daemon find here.
 */
final class PartnerWiring {

    private PartnerWiring() {
    }

    /**
     * The repo's partner copy as a bare target: the directory {@code <partner>/pactfs-<id>}, or the objects under
     * {@code s3://BUCKET/PREFIX/pactfs-<id>/}; a user error when the repo has no partner.
     */
    static PartnerTarget copy(OpenRepo r) throws java.io.IOException {
        if (!r.config.hasPartner()) {
            throw new UserError("repo " + r.dir + " has no partner (init --partner DIR or s3://BUCKET/PREFIX)");
        }
        if (r.config.s3() != null) {
            return PartnerTargets.s3(r.config.s3(), r.config.repoId());
        }
        if (r.config.serve() != null) {
            return PartnerTargets.serve(r.config.serve(), r.keys.tlsIdentity(), r.config.repoId());
        }
        return PartnerTargets.directory(PartnerTargets.copyDir(r.config.partner(), r.config.repoId()));
    }

    /**
     * The partner target: every operation under {@code timeouts} (a hung mount fails a pass, it does not hang
     * it), capped at {@code bandwidth} (null: no cap).
     */
    static PartnerTarget target(OpenRepo r, String bandwidth, PartnerTimeouts timeouts) throws java.io.IOException {
        PartnerTarget t = PartnerTargets.timed(copy(r), timeouts);
        if (bandwidth != null) {
            long bps;
            try {
                bps = Bandwidth.parseBytesPerSecond(bandwidth);
            } catch (IllegalArgumentException e) {
                throw new UserError("--bandwidth: " + e.getMessage());
            }
            t = PartnerTargets.rateLimited(t, bps);
        }
        return t;
    }

    static Replicator replicator(OpenRepo r, PartnerTarget target, Replicator.Options options) {
        return new Replicator(r.store, r.keys.blobCipher(), r.keys.manifestKey(), target, r.config.repoId(),
                r.config.chunkMin(), r.config.chunkAvg(), r.config.chunkMax(), r.config.format(), options);
    }

    /** Lets reads of evicted payloads fetch them from the partner (no-op without a partner). */
    static void installFetcher(OpenRepo r) throws java.io.IOException {
        if (r.config.hasPartner()) {
            // Under the default deadlines: a read of an evicted payload from a hung partner fails (EIO in the
            // mount) instead of blocking the reader, and with it unmount, forever.
            r.store.setRemoteFetcher(new PartnerFetcher(r.catalog, PartnerTargets.timed(copy(r),
                    PartnerTimeouts.defaults())));
        }
    }

    /** Daemon hook: starts background replication of a mounted repo (no-op without a partner). */
    static BackgroundReplicator startDaemon(OpenRepo r, DaemonContext daemon, String bandwidth,
                                           PartnerTimeouts timeouts) throws java.io.IOException {
        if (!r.config.hasPartner()) {
            return null;
        }
        Replicator.Options options = Replicator.Options.defaults();
        if (bandwidth != null) {
            options = options.withRecompressForWan(); // a capped link: bytes, not CPU, bound the passes
        }
        Replicator rep = replicator(r, target(r, bandwidth, timeouts), options);
        BackgroundReplicator bg = new BackgroundReplicator(rep, () -> CacheLimit.enforce(r.store, r.config.cacheMax()));
        daemon.register(BackgroundReplicator.class, bg);
        daemon.register(PruneListener.class, rep.pruneListener(PartnerPrune.DEFAULT_MIN_LIVE_FRACTION));
        return bg.start();
    }

    static void stopDaemon(OpenRepo r, BackgroundReplicator bg) {
        if (bg != null) {
            bg.close();
        }
    }

    /** The partner side of prune for a repo opened without a daemon, or null without a partner. */
    static PruneListener pruneListener(OpenRepo r) throws java.io.IOException {
        if (!r.config.hasPartner()) {
            return null;
        }
        return replicator(r, target(r, null, PartnerTimeouts.defaults()), Replicator.Options.defaults())
                .pruneListener(PartnerPrune.DEFAULT_MIN_LIVE_FRACTION);
    }

    /** The background replicator of {@code repoDir} when this process is its mount daemon, else null. */
    static BackgroundReplicator daemon(Path repoDir) {
        DaemonContext d = DaemonContext.current();
        if (d == null || d.repoFor(repoDir) == null) {
            return null;
        }
        return d.service(BackgroundReplicator.class);
    }
}
