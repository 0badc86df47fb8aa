package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.store.ByteProgress;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.PartnerCatalog;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code audit}: the owner reads a random sample of the packs it published back from the partner and compares
 * each with the SHA-256 kept at home (the pack's name, recorded when it was uploaded) and its recorded size.
 * The partner cannot fake holding a pack it lost or damaged: it would have to produce bytes with that hash.
 *
 * <p>A partner that answers challenges (a {@code pactfs serve} host) is not downloaded from when home still holds
 * one of the pack's blobs: {@link PackChallenge} asks for SHA-256(fresh nonce || a range of that blob's record)
 * and compares it with the same hash of home's own copy, a few hundred bytes over the network instead of the pack.
 */
public final class Audit {

    private Audit() {
    }

    /** What an audit found. */
    public record Result(int packsKnown, int packsChecked, long bytesRead, List<String> problems,
            List<Asked> challenges) {
        public boolean clean() {
            return problems.isEmpty();
        }
    }

    /**
     * One challenge sent ({@link PackChallenge}).
     *
     * @param pack    the pack's name
     * @param offset  first byte of the range in the pack file
     * @param length  bytes in the range
     * @param nonce   the nonce, hex
     * @param problem the audit problem it found, null when the answer was right
     */
    public record Asked(String pack, long offset, int length, String nonce, String problem) {
    }

    /** What listing the copy found: one line per problem, and the manifest sequence it was checked against. */
    public record Listing(List<String> problems, long manifestSeq) {
    }

    /**
     * Lists the whole copy (names, sizes) against the home catalog ({@link PartnerCheck}, without repairing) and
     * against the set the partner's newest manifest names; files neither published are "unexpected" (a replayed
     * record, a leftover). Cheap: no file content is read but the manifests.
     */
    public static Listing listCopy(Catalog catalog, BlobCipher cipher, ManifestKey key, PartnerTarget target)
            throws IOException {
        PartnerCheck.Report r = PartnerCheck.run(catalog, cipher, key, target, false);
        List<String> problems = new ArrayList<>(r.problems());
        long seq = r.partnerSeq();
        java.util.Set<String> named = new java.util.HashSet<>();
        try {
            ManifestRecovery.Verdict v = ManifestRecovery.check(target, key, cipher);
            for (String loss : v.losses()) {
                String name = loss.split(" ")[loss.startsWith("index file") || loss.startsWith("repo info")
                        || loss.startsWith("snapshot record") ? 2 : 1];
                if (problems.stream().noneMatch(p -> p.contains(name))) {
                    problems.add("manifest " + v.seq() + " names " + loss);
                }
            }
            if (v.objects() != null) {
                named.addAll(v.objects().keySet());
            }
        } catch (ManifestRecovery.ForkException e) {
            // PartnerCheck reported the fork already.
        }
        for (String extra : r.extras()) {
            if (!named.contains(extra.substring(extra.indexOf(' ') + 1))) {
                problems.add("unexpected: " + extra + " (home did not publish it and the manifest does not name it)");
            }
        }
        return new Listing(problems, seq);
    }

    /**
     * Checks {@code percent} % of the packs (at least one when there are any), reporting to {@code progress} the
     * bytes read of the sampled packs' bytes.
     */
    public static Result run(Catalog catalog, PartnerTarget target, double percent, ByteProgress progress)
            throws IOException {
        return run(catalog, null, target, percent, progress);
    }

    /**
     * Checks {@code percent} % of the packs (at least one when there are any): by challenge where the partner
     * answers them and {@code store} (may be null) still holds a blob of the pack, by download otherwise.
     */
    public static Result run(Catalog catalog, ChunkStore store, PartnerTarget target, double percent,
            ByteProgress progress) throws IOException {
        List<PartnerCatalog.PartnerPack> packs = new ArrayList<>(catalog.transaction(PartnerCatalog::packs));
        Collections.shuffle(packs, new SecureRandom());
        int n = packs.isEmpty() ? 0 : (int) Math.max(1, Math.min(packs.size(), Math.ceil(packs.size() * percent / 100.0)));
        List<String> problems = new ArrayList<>();
        List<Asked> asked = new ArrayList<>();
        PackChallenge challenges = store == null ? null : new PackChallenge(catalog, store, target);
        long bytes = 0;
        long total = packs.subList(0, n).stream().mapToLong(PartnerCatalog.PartnerPack::size).sum();
        long passed = 0;
        progress.update(0, total);
        for (int i = 0; i < n; i++) {
            passed += packs.get(i).size(); // a missing pack counts as gone through
            PartnerCatalog.PartnerPack p = packs.get(i);
            String name = HexFormat.of().formatHex(p.name());
            Asked a = challenges == null ? null : challenges.ask(p);
            if (a != null) {
                asked.add(a);
                if (a.problem() != null) {
                    problems.add(a.problem());
                }
                progress.update(passed, total);
                continue;
            }
            byte[] b;
            try {
                b = target.load(PartnerTarget.Kind.PACK, name);
            } catch (IOException e) {
                if (PartnerTarget.isNotFound(e)) {
                    problems.add("missing: pack " + name);
                    continue;
                }
                throw new PartnerUnavailableException("audit cannot read pack " + name + " at " + target.location()
                        + ": " + e.getMessage(), e);
            }
            bytes += b.length;
            String actual = Envelope.nameOf(b);
            if (b.length != p.size()) {
                problems.add("corrupt: pack " + name + ": " + b.length + " bytes, uploaded " + p.size());
            } else if (!actual.equals(name)) {
                problems.add("corrupt: pack " + name + ": content hashes to " + actual);
            }
            progress.update(passed, total);
        }
        return new Result(packs.size(), n, bytes, problems, asked);
    }
}
