package dev.pactfs.store;

/**
 * When a new chunk is stored as a delta, and when in full (a re-base). See docs/format.md, "Delta blobs".
 *
 * <ul>
 *   <li>Depth 1: a delta's base is always a chunk stored in full. A hint that is itself a delta is resolved to
 *       its base; the feature index only holds full chunks.
 *   <li>A delta is kept only when its framed size is below the chunk's plain zstd frame.
 *   <li>Re-base: when the delta exceeds {@link #REBASE_RATIO} of the plain zstd frame, the chunk is stored in
 *       full instead and becomes the base of later versions; the old base then ages out as the deltas that
 *       depend on it are pruned. Likewise when the hint chain is {@link #MAX_GENERATIONS} deep.
 * </ul>
 */
final class DeltaPolicy {

    /** Delta bigger than this fraction of plain zstd: store in full (re-base). */
    static final double REBASE_RATIO = 0.25;
    /** Deltas made through the same-file hint against one base before a full copy is forced. */
    static final int MAX_GENERATIONS = 30;

    /** A hinted base whose delta is below this fraction of plain zstd is taken without asking the feature index. */
    static final double GOOD_ENOUGH_RATIO = 0.10;

    enum Verdict { DELTA, REBASE, FULL }

    private DeltaPolicy() {
    }

    /** What to do with a chunk whose delta frames to {@code deltaFramed} bytes and plain zstd to {@code zstdFramed}. */
    static Verdict judge(int deltaFramed, int zstdFramed, double rebaseRatio) {
        if (deltaFramed >= zstdFramed) {
            return Verdict.FULL;
        }
        if (deltaFramed > rebaseRatio * zstdFramed) {
            return Verdict.REBASE;
        }
        return Verdict.DELTA;
    }

    static Verdict judge(int deltaFramed, int zstdFramed) {
        return judge(deltaFramed, zstdFramed, REBASE_RATIO);
    }
}
