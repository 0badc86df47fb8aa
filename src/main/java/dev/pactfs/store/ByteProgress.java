package dev.pactfs.store;

/**
 * Where a long operation (gc's compaction, a replication pass, an audit, a tar export) reports the bytes it has
 * gone through of a total, for the command's progress bar or JSON lines. Called on the working thread, often:
 * implementations throttle what they draw. The total may be an estimate; done may pass it.
 */
@FunctionalInterface
public interface ByteProgress {

    /** Reports nothing. */
    ByteProgress NONE = (done, total) -> { };

    void update(long doneBytes, long totalBytes);
}
