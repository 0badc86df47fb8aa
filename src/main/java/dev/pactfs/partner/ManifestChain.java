package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/*
 * Reading the manifests of a copy (docs/format.md, "Manifest", "Reading the manifests"):
 *   1. every manifests/ file whose signature verifies under the repository's public key is a candidate; the
 *      others are reported as forged (and otherwise ignored);
 *   2. two candidates with one sequence number = a fork (two writers on one copy): reported, never merged;
 *   3. the newest candidate's chain is followed back through `prev` to a checkpoint: every link must be present,
 *      verify, and be numbered one less; a hole = a broken chain (also a fork: someone rewrote history);
 *   4. with the key (whole mode): the checkpoint's list, then each delta forward, each step's set checked
 *      against its signed root, count and bytes. The result is the set of files the copy must hold.
 */

/** The state of a copy's manifests: newest, chain, problems, and (whole mode) the set it names. */
final class ManifestChain {

    /** What was found. {@code objects}/{@code records} are null unless read whole and consistent. */
    record State(Manifest.Signed newest, List<String> forged, List<String> forgedNames, List<String> forks,
                 SortedMap<String, Manifest.Obj> objects, List<Manifest.Record> records, int manifests,
                 List<Manifest.Signed> valid) {
        boolean forked() {
            return !forks.isEmpty();
        }

        long newestSeq() {
            return newest == null ? 0 : newest.header().seq();
        }
    }

    private ManifestChain() {
    }

    /**
     * Reads the copy's manifests. Headers only (cheap, for every replication pass) when {@code cipher} is null;
     * else whole, rebuilding the set from the newest checkpoint.
     */
    static State read(PartnerTarget target, byte[] publicKey, BlobCipher cipher) throws IOException {
        SortedMap<String, Long> files = target.sizes(PartnerTarget.Kind.MANIFEST);
        List<String> forged = new ArrayList<>();
        List<String> forgedNames = new ArrayList<>();
        List<Manifest.Signed> valid = new ArrayList<>();
        Map<String, byte[]> whole = new HashMap<>();
        for (Map.Entry<String, Long> f : files.entrySet()) {
            byte[] b;
            try {
                b = cipher == null
                        ? target.load(PartnerTarget.Kind.MANIFEST, f.getKey(), 0,
                                (int) Math.min(f.getValue(), Manifest.headerBytes()))
                        : target.load(PartnerTarget.Kind.MANIFEST, f.getKey());
            } catch (IOException e) {
                if (PartnerTarget.isNotFound(e)) {
                    continue;
                }
                throw e;
            }
            try {
                valid.add(Manifest.readHeader(b, f.getKey(), publicKey, cipher != null));
                if (cipher != null) {
                    whole.put(f.getKey(), b);
                }
            } catch (PartnerCorruptException e) {
                forged.add(e.getMessage());
                forgedNames.add(f.getKey());
            }
        }
        valid.sort((a, b) -> Long.compare(a.header().seq(), b.header().seq()));
        List<String> forks = new ArrayList<>();
        Map<Long, Manifest.Signed> bySeq = new HashMap<>();
        Map<String, Manifest.Signed> byName = new HashMap<>();
        for (Manifest.Signed s : valid) {
            Manifest.Signed other = bySeq.putIfAbsent(s.header().seq(), s);
            if (other != null) {
                forks.add("two manifests with sequence number " + s.header().seq() + ": " + other.name() + " and "
                        + s.name() + " (two homes writing one copy?)");
            }
            byName.put(s.name(), s);
        }
        Manifest.Signed newest = valid.isEmpty() ? null : valid.get(valid.size() - 1);
        List<Manifest.Signed> chain = new ArrayList<>();
        if (newest != null && forks.isEmpty()) {
            Manifest.Signed cur = newest;
            chain.add(cur);
            while (!cur.header().checkpoint()) {
                Manifest.Signed prev = byName.get(cur.header().prev());
                if (prev == null || prev.header().seq() != cur.header().seq() - 1) {
                    forks.add("manifest chain broken at sequence " + cur.header().seq() + ": its predecessor "
                            + cur.header().prev() + (prev == null ? " is missing" : " has sequence " + prev.header().seq())
                            + " and no checkpoint comes between");
                    break;
                }
                cur = prev;
                chain.add(cur);
            }
        }
        SortedMap<String, Manifest.Obj> objects = null;
        List<Manifest.Record> records = null;
        if (cipher != null && newest != null && forks.isEmpty()) {
            Collections.reverse(chain);
            objects = new TreeMap<>();
            for (Manifest.Signed s : chain) {
                Manifest.Body body = Manifest.readBody(cipher, whole.get(s.name()), s);
                if (body.kind() == Manifest.CHECKPOINT) {
                    objects.clear();
                    for (Manifest.Obj o : body.objects()) {
                        objects.put(o.name(), o);
                    }
                } else {
                    for (Manifest.Obj o : body.removed()) {
                        objects.remove(o.name());
                    }
                    for (Manifest.Obj o : body.added()) {
                        objects.put(o.name(), o);
                    }
                }
                long bytes = objects.values().stream().mapToLong(Manifest.Obj::size).sum();
                if (!Arrays.equals(Manifest.root(objects.values()), s.header().root())
                        || objects.size() != s.header().objects() || bytes != s.header().bytes()) {
                    throw new PartnerCorruptException("manifests/" + s.name() + " (sequence " + s.header().seq()
                            + "): the list rebuilt from the checkpoint does not match its signed root");
                }
                records = body.records();
            }
        }
        return new State(newest, forged, forgedNames, forks, objects, records, files.size(), valid);
    }
}
