package dev.pactfs.partner;

import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import java.io.IOException;
import java.util.List;

/**
 * Keeps the local payload under {@code cache.max}: drops the local copy of the oldest blobs the partner holds
 * (recorded there only after the pack was parsed back and published), then lets the store's compaction return
 * the space. Reads of an evicted blob go through {@link PartnerFetcher}.
 */
public final class CacheLimit {

    private CacheLimit() {
    }

    /** Evicts until local payload bytes are at most {@code maxBytes}; returns blobs evicted. 0 = no limit. */
    public static long enforce(ChunkStore store, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            return 0;
        }
        GraphProof.requireProven(store.catalog(), "evict local copies");
        long evicted = 0;
        while (true) {
            long local = store.catalog().transaction(PartnerCatalog::localPayloadBytes);
            if (local <= maxBytes) {
                break;
            }
            List<PartnerCatalog.BlobRow> rows = store.catalog().transaction(tx -> PartnerCatalog.evictable(tx, 1000));
            if (rows.isEmpty()) {
                break; // the rest is not at the partner yet
            }
            long over = local - maxBytes;
            long n = store.catalog().transaction(tx -> {
                long done = 0;
                long freed = 0;
                for (PartnerCatalog.BlobRow r : rows) {
                    if (freed >= over) {
                        break;
                    }
                    if (PartnerCatalog.evict(tx, r.id())) {
                        done++;
                        freed += r.storedSize();
                    }
                }
                return done;
            });
            evicted += n;
            if (n == 0) {
                break;
            }
        }
        if (evicted > 0) {
            store.collectGarbage();
        }
        return evicted;
    }
}
