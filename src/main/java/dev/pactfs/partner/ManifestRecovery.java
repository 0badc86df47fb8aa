package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.ManifestKey;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.PartnerObjects;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The manifest side of {@code recover}: which state of the copy is being recovered (the newest manifest that
 * verifies, with a consistent chain), what it names that the copy lacks (losses, never "not there"), and which
 * snapshot records are live (a record the manifest does not list, e.g. an old one replayed under a reused name,
 * is ignored). {@link Recovery} then reads the copy through {@link #view}, and {@link #adopt} gives the new
 * catalog home's record of that manifest, so the next pass continues its chain.
 */
public final class ManifestRecovery {

    private ManifestRecovery() {
    }

    /**
     * What the manifests say.
     *
     * @param seq       the newest manifest's sequence number; 0: the copy has none (written before manifests)
     * @param timeMs    when home wrote it
     * @param losses    files it names that the copy lacks or holds with another size
     * @param ignored   snapshot records at the partner it does not list
     * @param rejected  manifests that do not verify (forged, damaged, another key)
     */
    public record Verdict(long seq, long timeMs, String name, List<String> losses, List<String> ignored,
                          List<String> rejected, Set<String> liveRecords, SortedMap<String, Manifest.Obj> objects) {
        /** The copy has no manifest: recovered as before, unchecked. */
        public boolean unchecked() {
            return seq == 0;
        }

        /** The repo-info file the manifest names (the copy's current one), or null. */
        public String repoInfoName() {
            if (objects == null) {
                return null; // no manifest
            }
            return objects.values().stream().filter(o -> o.kind() == 'R').map(Manifest.Obj::name)
                    .findFirst().orElse(null);
        }
    }

    /** Two manifests with one number, or a broken chain: two writers on one copy. */
    public static final class ForkException extends PartnerCorruptException {
        private static final long serialVersionUID = 1L;

        ForkException(String message) {
            super(message);
        }
    }

    /** Reads and checks the copy's manifests against its listing. */
    public static Verdict check(PartnerTarget target, ManifestKey key, BlobCipher cipher) throws IOException {
        ManifestChain.State st = ManifestChain.read(target, key.publicKey(), cipher);
        if (st.forked()) {
            throw new ForkException("partner copy at " + target.location() + " is forked (two homes writing one copy?): "
                    + String.join("; ", st.forks()) + "; refusing to merge them");
        }
        List<String> ignored = new ArrayList<>();
        if (st.newest() == null) {
            return new Verdict(0, 0, null, List.of(), ignored, st.forged(), Set.of(), null);
        }
        Map<Character, SortedMap<String, Long>> listing = new HashMap<>();
        listing.put('P', target.sizes(PartnerTarget.Kind.PACK));
        SortedMap<String, Long> index = target.sizes(PartnerTarget.Kind.INDEX);
        listing.put('I', index);
        listing.put('R', index);
        listing.put('S', target.sizes(PartnerTarget.Kind.SNAPSHOT));
        Map<String, Manifest.Record> recordOf = new HashMap<>();
        st.records().forEach(r -> recordOf.put(r.file(), r));
        List<String> losses = new ArrayList<>();
        for (Manifest.Obj o : st.objects().values()) {
            SortedMap<String, Long> where = listing.get(o.kind());
            Long actual = where == null ? null : where.get(o.name());
            if (actual != null && actual == o.size()) {
                continue;
            }
            Manifest.Record r = recordOf.get(o.name());
            losses.add(describe(o.kind()) + " " + o.name() + (r == null ? "" : " (snapshot " + r.name() + " of "
                    + java.time.Instant.ofEpochMilli(r.timeMs()) + ")")
                    + (actual == null ? " is missing at the partner" : " is " + actual + " bytes, the manifest says " + o.size()));
        }
        Set<String> live = new HashSet<>(recordOf.keySet());
        for (String f : listing.get('S').keySet()) {
            if (!live.contains(f)) {
                ignored.add(f);
            }
        }
        Manifest.Header h = st.newest().header();
        return new Verdict(h.seq(), h.timeMs(), st.newest().name(), losses, ignored, st.forged(), live, st.objects());
    }

    private static String describe(char kind) {
        return switch (kind) {
            case 'P' -> "pack";
            case 'I' -> "index file";
            case 'R' -> "repo info";
            case 'S' -> "snapshot record";
            default -> "file of kind '" + kind + "'";
        };
    }

    /** The copy as the manifest describes it: only the live snapshot records are listed. */
    public static PartnerTarget view(PartnerTarget target, Verdict v) {
        if (v.unchecked()) {
            return target;
        }
        return new ForwardingTarget(target) {
            @Override
            public List<String> list(Kind kind) throws IOException {
                List<String> all = inner.list(kind);
                return kind == Kind.SNAPSHOT ? all.stream().filter(v.liveRecords()::contains).toList() : all;
            }
        };
    }

    /** Records the recovered manifest as the last one home published, so the next pass continues its chain. */
    public static void adopt(Catalog catalog, Verdict v) throws IOException {
        if (v.unchecked()) {
            return;
        }
        List<PartnerObjects.Obj> objs = v.objects().values().stream()
                .map(o -> new PartnerObjects.Obj(o.name(), o.kind(), o.size())).toList();
        // The repo info the manifest names stays the copy's: without it the first pass would publish a second one
        // and drop the first from the manifest, leaving it at the partner for audit to report as unexpected.
        String repoInfo = v.repoInfoName();
        catalog.transaction(tx -> {
            PartnerObjects.replaceAll(tx, objs);
            if (repoInfo != null) {
                PartnerCatalog.setMeta(tx, Replicator.META_REPO_INFO, repoInfo);
            }
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_SEQ, Long.toString(v.seq()));
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_NAME, v.name());
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_TIME, Long.toString(v.timeMs()));
            // How long the chain is does not matter to correctness: make the next manifest a checkpoint.
            PartnerCatalog.setMeta(tx, ManifestPublisher.META_CHAIN, Long.toString(Long.MAX_VALUE / 8));
            return null;
        });
    }
}
