package dev.pactfs.partner;

import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import java.io.EOFException;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * One audit challenge per pack ({@link Challenge}): a blob of the pack whose sealed bytes home still holds is
 * picked at random, then a window of {@link #WINDOW_BYTES} at a random offset inside its record, never at the
 * record's start (so the windows asked do not trace blob boundaries for the host), and a fresh nonce; the
 * partner's answer must equal SHA-256(nonce || home's own bytes of that window), since a pack holds each blob's
 * sealed bytes exactly as the local store does (PackFile). A fresh nonce each time: an answer cannot be kept
 * from an earlier audit, only computed from the bytes. Challenges reach only the blobs home holds, so a pack that
 * also holds evicted blobs is downloaded instead one time in {@link #EVICTED_DOWNLOAD_ONE_IN} (decision 0013):
 * a host that dropped exactly the ranges home cannot check is still caught in time.
 */
final class PackChallenge {

    /** Bytes of one challenge window: small enough to say little about where records lie, and a cheap read. */
    static final int WINDOW_BYTES = 4096;

    /** A pack with an evicted blob is downloaded and verified whole with probability 1 / this. */
    static final int EVICTED_DOWNLOAD_ONE_IN = 4;

    private final Catalog catalog;
    private final ChunkStore store;
    private final PartnerTarget target;
    private final SecureRandom random = new SecureRandom();
    /** Cleared once the partner says it answers no challenges: the rest of the audit downloads. */
    private boolean answers = true;

    PackChallenge(Catalog catalog, ChunkStore store, PartnerTarget target) {
        this.catalog = catalog;
        this.store = store;
        this.target = target;
    }

    /** The challenge of pack {@code p}, or null when none can be made (the caller downloads the pack instead). */
    Audit.Asked ask(PartnerCatalog.PartnerPack p) throws IOException {
        if (!answers) {
            return null;
        }
        String name = HexFormat.of().formatHex(p.name());
        List<PartnerCatalog.PartnerLocationOf> blobs = new ArrayList<>(
                catalog.transaction(tx -> PartnerCatalog.blobsInPack(tx, p.name())));
        Collections.shuffle(blobs, random);
        boolean downloadIfEvicted = random.nextInt(EVICTED_DOWNLOAD_ONE_IN) == 0;
        PartnerCatalog.PartnerLocationOf b = null;
        byte[] sealed = null;
        for (PartnerCatalog.PartnerLocationOf c : blobs) {
            byte[] s = store.readSealed(c.id());
            if (s == null || s.length != c.location().storedSize()) {
                // Evicted, or re-stored since (recompressed): not the bytes the pack holds, no challenge can reach it.
                if (downloadIfEvicted) {
                    return null;
                }
                continue;
            }
            if (b == null) {
                b = c;
                sealed = s;
                if (!downloadIfEvicted) {
                    break;
                }
            }
        }
        if (b != null) {
            // Inside the record, from its second byte on when it has two: the window's start is no record start.
            int length = sealed.length == 1 ? 1 : Math.min(WINDOW_BYTES, sealed.length - 1);
            int from = sealed.length == 1 ? 0 : 1 + random.nextInt(sealed.length - length);
            long offset = b.location().offset() + from;
            byte[] nonce = new byte[Challenge.NONCE_BYTES];
            random.nextBytes(nonce);
            String problem = null;
            try {
                byte[] answer = target.challenge(PartnerTarget.Kind.PACK, name, offset, length, nonce);
                if (answer == null) {
                    answers = false;
                    return null;
                }
                byte[] want = Challenge.answer(nonce, Arrays.copyOfRange(sealed, from, from + length));
                if (!Arrays.equals(want, answer)) {
                    problem = "corrupt: pack " + name + ": wrong answer to a challenge on bytes " + offset + "+"
                            + length + " (blob " + b.id().shortHex() + ")";
                }
            } catch (EOFException e) {
                problem = "corrupt: pack " + name + ": shorter at the partner than the challenged bytes " + offset
                        + "+" + length;
            } catch (IOException e) {
                if (!PartnerTarget.isNotFound(e)) {
                    throw new PartnerUnavailableException("audit cannot challenge pack " + name + " at "
                            + target.location() + ": " + e.getMessage(), e);
                }
                problem = "missing: pack " + name;
            }
            return new Audit.Asked(name, offset, length, HexFormat.of().formatHex(nonce), problem);
        }
        return null;
    }
}
