package dev.pactfs.chunk;

/**
 * Chunk size bounds of a repository, in bytes, fixed at {@code init} and stored in the repo config.
 *
 * <p>{@code min <= avg <= max}, {@code avg} a power of two (FastCDC derives its masks from it).
 */
public record ChunkerParams(int minSize, int avgSize, int maxSize) {

    /** Default for new repositories: see docs/decisions/chunk-size.md for the measurements. */
    public static final ChunkerParams DEFAULT = new ChunkerParams(64 * 1024, 256 * 1024, 1024 * 1024);

    public ChunkerParams {
        if (Integer.bitCount(avgSize) != 1) {
            throw new IllegalArgumentException("average chunk size must be a power of two: " + avgSize);
        }
        if (minSize < 64 || minSize > avgSize || avgSize > maxSize) {
            throw new IllegalArgumentException("need 64 <= min <= avg <= max, got " + minSize + "/" + avgSize + "/" + maxSize);
        }
    }
}
