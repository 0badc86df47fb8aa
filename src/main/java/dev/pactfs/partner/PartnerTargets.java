package dev.pactfs.partner;

import java.nio.file.Path;

/** Factories for {@link PartnerTarget}s and their wrappers. */
public final class PartnerTargets {

    /** Largest partner file any reader accepts, bytes (a pack's hard maximum): what a host need store at most. */
    public static final long MAX_OBJECT_BYTES = PackFile.MAX_PACK_BYTES;

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

    /**
     * A target on the copy {@code PREFIX/pactfs-<repoId>/} of the S3 partner {@code partner}; never creates the
     * bucket. Fails with {@link PartnerUnavailableException} when the client cannot be set up (a credentials file
     * others can read, a malformed endpoint).
     */
    public static PartnerTarget s3(dev.pactfs.store.S3Partner partner, String repoId) throws java.io.IOException {
        return new S3Target(S3Target.client(partner), partner.bucket(), partner.copyPrefix(repoId), S3Target.PART_BYTES);
    }

    /** The repo ids of the copies ({@code pactfs-<id>/}) under the S3 partner's prefix, for {@code recover}. */
    public static java.util.List<String> s3Copies(dev.pactfs.store.S3Partner partner) throws java.io.IOException {
        return S3Target.copies(partner);
    }

    /** What the S3 partner's bucket enforces (probed now), for {@code status}. */
    public static S3Capabilities s3Capabilities(dev.pactfs.store.S3Partner partner, String repoId)
            throws java.io.IOException {
        try (S3Target t = (S3Target) s3(partner, repoId)) {
            return t.capabilities();
        }
    }

    /**
     * The copy {@code pactfs-<repoId>} at the {@code pactfs serve} host {@code host}, reached as {@code me} (the
     * tenant's key from the master key, {@code RepoKeys.tlsIdentity()}).
     */
    public static PartnerTarget serve(dev.pactfs.store.ServePartner host, dev.pactfs.crypto.TlsIdentity me,
                                      String repoId) throws java.io.IOException {
        return ServeTarget.open(host.hostPort(), host.hostKey(), me, repoId);
    }

    /**
     * Spends a pairing secret at {@code host}, binding {@code me}'s key to a tenant and registering the repository's
     * manifest signing key with it; returns the tenant's name.
     */
    public static String pairServe(dev.pactfs.store.ServePartner host, dev.pactfs.crypto.TlsIdentity me, String secret,
                                   dev.pactfs.crypto.ManifestKey manifestKey) throws java.io.IOException {
        return ServeTarget.pair(host.hostPort(), host.hostKey(), me, secret, manifestKey.publicKey());
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
