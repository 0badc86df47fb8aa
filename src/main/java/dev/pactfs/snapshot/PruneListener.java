package dev.pactfs.snapshot;

import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.util.List;

/**
 * The partner side of prune: called by {@link SnapshotService#prune} after the local store has freed every
 * unreferenced blob. {@code forgotten} lists the snapshots forgotten since the last successful call (their
 * records must go from the partner; their blobs may now be dead there). The queue is cleared only after this
 * returns normally, so an implementation must be idempotent: after a crash the same snapshots come again.
 */
@FunctionalInterface
public interface PruneListener {

    void pruned(List<Snapshots.Forgotten> forgotten, ChunkStore.GcStats localGc) throws IOException;
}
