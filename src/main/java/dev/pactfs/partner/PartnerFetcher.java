package dev.pactfs.partner;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.RemoteFetcher;
import java.io.IOException;
import java.util.HexFormat;

/**
 * Fetches evicted payloads back from the partner: a ranged read of the blob's sealed bytes at the location the
 * catalog recorded. The store verifies them (AEAD, hash) as it does local payloads, and caches the plaintext.
 */
public final class PartnerFetcher implements RemoteFetcher {

    private final Catalog catalog;
    private final PartnerTarget target;

    public PartnerFetcher(Catalog catalog, PartnerTarget target) {
        this.catalog = catalog;
        this.target = target;
    }

    @Override
    public byte[] fetchSealed(ChunkId id, int kind, int storedSize) throws IOException {
        PartnerCatalog.PartnerLocation loc = catalog.transaction(tx -> PartnerCatalog.location(tx, id));
        if (loc == null) {
            throw new PartnerCorruptException("blob " + id.toHex() + " was evicted locally but the partner holds no copy");
        }
        String pack = HexFormat.of().formatHex(loc.pack());
        try {
            return target.load(PartnerTarget.Kind.PACK, pack, loc.offset(), storedSize);
        } catch (IOException e) {
            if (PartnerTarget.isNotFound(e)) {
                throw new PartnerCorruptException("blob " + id.toHex() + ": partner pack " + pack + " is missing");
            }
            throw new PartnerUnavailableException("cannot fetch blob " + id.toHex() + " from partner pack " + pack
                    + " at " + target.location() + ": " + e.getMessage(), e);
        }
    }
}
