package dev.pactfs.host;

import dev.pactfs.partner.ManifestHead;
import dev.pactfs.partner.ManifestHeaders;
import dev.pactfs.partner.PartnerCorruptException;

/*
 * The host's half of the manifest chain (docs/format.md, "The serve API"; decision 0012). A manifest upload is
 * accepted only when
 *   - its header parses and its Ed25519 signature checks under the key the tenant registered at pairing (partner's
 *     own decoder, so the format has one parser),
 *   - it names the copy it is uploaded to, and
 *   - it is the next link: sequence head+1 and prev = the head's name.
 * The head again (same name, hence same bytes) is a no-op. Everything else is refused and the head stays: an older
 * sequence (a rollback), the head's sequence with other bytes or a right sequence on a wrong prev (a fork), a
 * sequence past head+1 (a gap), a bad signature, a sequence of 10^15 or more (the head file must always parse).
 * The first manifest of a copy is accepted at any sequence: the host has nothing to compare it with, and a home
 * that recovered elsewhere continues its own numbering; the real home notices a forged start as a head ahead of
 * its own. A copy that holds manifests but no head (stored before the host kept heads) is not "first": its head
 * is derived from the newest verified stored manifest first ({@link ChainHeads#readOrDerive}).
 */

/** Decides whether a manifest upload extends a copy's chain. Pure: no I/O, no locking (the caller holds both). */
final class ManifestGate {

    /** Sequences at or past this are refused: far beyond any real chain, and the head file's number always parses. */
    static final long MAX_SEQ = 1_000_000_000_000_000L;

    /** What to do with an upload. {@code checked} is set when the header verified. */
    record Verdict(Outcome outcome, String reason, ManifestHeaders.Checked checked) {
    }

    enum Outcome {
        /** The next link: store it, then move the head. */
        ACCEPT,
        /** The head itself again: answer 200, change nothing. */
        SAME,
        /** Refused (409): the head stays. */
        REFUSE
    }

    private ManifestGate() {
    }

    /**
     * @param file the uploaded bytes, already known to hash to {@code name}
     * @param copy the copy it is uploaded to, {@code pactfs-<repo id>}
     * @param key  the tenant's manifest key, or null when none is registered yet (then any self-consistent signature
     *             passes, and the caller adopts its key)
     */
    static Verdict judge(byte[] file, String name, String copy, byte[] key, ManifestHead head) {
        ManifestHeaders.Checked c;
        try {
            c = ManifestHeaders.verify(file, name, key);
        } catch (PartnerCorruptException e) {
            return refuse(e.getMessage(), null);
        }
        if (!copy.equals("pactfs-" + c.repoId())) {
            return refuse("manifest of repo " + c.repoId() + " uploaded to copy " + copy, c);
        }
        if (c.seq() >= MAX_SEQ) {
            return refuse("sequence " + c.seq() + " is past the largest a host keeps (" + (MAX_SEQ - 1) + ")", c);
        }
        if (head.seq() == 0) {
            return new Verdict(Outcome.ACCEPT, "first manifest of the copy (sequence " + c.seq() + ")", c);
        }
        if (name.equals(head.name())) {
            return new Verdict(Outcome.SAME, "already the head (sequence " + head.seq() + ")", c);
        }
        if (c.seq() < head.seq()) {
            return refuse("rollback: sequence " + c.seq() + " is older than the head " + head.seq(), c);
        }
        if (c.seq() == head.seq()) {
            return refuse("fork: sequence " + c.seq() + " is already " + head.name() + " with other bytes", c);
        }
        if (c.seq() > head.seq() + 1) {
            return refuse("gap: sequence " + c.seq() + " does not follow the head " + head.seq(), c);
        }
        if (!c.prev().equals(head.name())) {
            return refuse("fork: sequence " + c.seq() + " follows " + c.prev() + ", not the head " + head.name(), c);
        }
        return new Verdict(Outcome.ACCEPT, "sequence " + c.seq() + " follows the head", c);
    }

    private static Verdict refuse(String reason, ManifestHeaders.Checked c) {
        return new Verdict(Outcome.REFUSE, "manifest refused: " + reason, c);
    }
}
