package dev.pactfs.partner;

import java.time.Duration;

/**
 * Deadlines for operations on the partner directory.
 *
 * @param data      moving file contents or walking a directory tree: save, load of a pack or index, list, cleanup.
 *                  Long enough for a 64 MiB pack over a slow link; a bandwidth cap's pacing is not counted
 * @param metadata  a few bytes or one syscall: stat, delete, free space, reading the copy's config
 */
public record PartnerTimeouts(Duration data, Duration metadata) {

    /** Default deadline for data operations. */
    public static final Duration DEFAULT_DATA = Duration.ofSeconds(60);
    /** Default (and longest) deadline for metadata operations. */
    public static final Duration DEFAULT_METADATA = Duration.ofSeconds(15);

    public PartnerTimeouts {
        if (data.isNegative() || data.isZero() || metadata.isNegative() || metadata.isZero()) {
            throw new IllegalArgumentException("partner timeouts must be positive");
        }
    }

    public static PartnerTimeouts defaults() {
        return new PartnerTimeouts(DEFAULT_DATA, DEFAULT_METADATA);
    }

    /** {@code data} for data operations; metadata operations get the same, at most {@link #DEFAULT_METADATA}. */
    public static PartnerTimeouts of(Duration data) {
        return new PartnerTimeouts(data, data.compareTo(DEFAULT_METADATA) < 0 ? data : DEFAULT_METADATA);
    }
}
