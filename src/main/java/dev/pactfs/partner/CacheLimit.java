package dev.pactfs.partner;

import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the local payload under {@code cache.max}: drops the local copy of the oldest blobs proven off-site, then
 * lets the store's compaction return the space. Reads of an evicted blob go through {@link PartnerFetcher}.
 *
 * <p>Proven off-site, because eviction turns a partner's loss (or a rollback to an older copy) into a permanent
 * one: the last check of the partner matched home's records ({@link PartnerCheck}), the current manifest names
 * the blob's pack, and the latest listing showed that pack with the size uploaded
 * ({@link PartnerObjects#provenEvictable}). Anything else stays local until a pass proves it.
 */
public final class CacheLimit {

    private static final Logger log = LoggerFactory.getLogger(CacheLimit.class);

    private CacheLimit() {
    }

    /** Evicts until local payload bytes are at most {@code maxBytes}; returns blobs evicted. 0 = no limit. */
    public static long enforce(ChunkStore store, long maxBytes) throws IOException {
        if (maxBytes <= 0) {
            return 0;
        }
        GraphProof.requireProven(store.catalog(), "evict local copies");
        String check = store.catalog().transaction(tx -> PartnerCatalog.meta(tx, PartnerCheck.META_RESULT));
        if ((check == null || !check.endsWith(" ok"))
                && store.catalog().transaction(PartnerCatalog::localPayloadBytes) > maxBytes) {
            log.warn("local cache over its limit, but nothing is evicted: {}", check == null
                    ? "the partner copy was never checked" : "the last check of the partner copy found problems");
            return 0;
        }
        long evicted = 0;
        while (true) {
            long local = store.catalog().transaction(PartnerCatalog::localPayloadBytes);
            if (local <= maxBytes) {
                break;
            }
            List<PartnerCatalog.BlobRow> rows = store.catalog().transaction(tx -> PartnerObjects.provenEvictable(tx, 1000));
            if (rows.isEmpty()) {
                break; // the rest is not proven at the partner yet
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
