package dev.pactfs.cli;

import dev.pactfs.store.Catalog;
import dev.pactfs.store.DeltaStats;
import dev.pactfs.store.SnapshotStats;
import dev.pactfs.store.Snapshots;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Per-snapshot figures for {@code snapshot list --json} and {@code status}: logical bytes, new bytes stored, and
 * how many of those came as deltas. Recorded when the snapshot was made; for snapshots without a record (older
 * catalogs, recovered ones) the new bytes are what the store still holds from between the previous snapshot and
 * this one, and the logical bytes are unknown.
 */
final class SnapshotFigures {

    private SnapshotFigures() {
    }

    /** One snapshot's figures; {@code logicalBytes} null when unknown, {@code recorded} false when estimated. */
    record Figures(String name, long timeMs, Long logicalBytes, DeltaStats.Window added, boolean recorded, Long files) {

        /** Adds the figures to a snapshot's JSON object, after its other members. */
        void putInto(com.fasterxml.jackson.databind.node.ObjectNode o) {
            o.put("logical_bytes", logicalBytes);
            o.put("files", files);
            o.put("new_blobs", added.blobs());
            o.put("new_plain_bytes", added.plainBytes());
            o.put("new_stored_bytes", added.storedBytes());
            o.put("deltas", added.deltas());
            o.put("delta_stored_bytes", added.deltaStoredBytes());
            o.put("delta_bytes_saved", added.deltaSavedBytes());
            o.put("figures_recorded", recorded);
        }
    }

    /** Every snapshot's figures, oldest first. */
    static List<Figures> all(Catalog catalog) throws IOException {
        return catalog.transaction(tx -> {
            Map<Long, SnapshotStats.Stats> stats = SnapshotStats.all(tx);
            List<Figures> out = new ArrayList<>();
            long prevMs = Long.MIN_VALUE;
            for (Snapshots.Row r : Snapshots.list(tx)) {
                SnapshotStats.Stats s = stats.get(r.id());
                if (s != null) {
                    out.add(new Figures(r.name(), r.timeMs(), s.logicalBytes(), s.added(), true, s.files()));
                } else {
                    out.add(new Figures(r.name(), r.timeMs(), null,
                            DeltaStats.createdBetween(tx, prevMs, r.timeMs()), false, null));
                }
                prevMs = r.timeMs();
            }
            return out;
        });
    }
}
