package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotRecordTest;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot records of format 2 at the partner (decision 0011): a child names its parent by stable id, so renaming or
 * re-tagging a snapshot republishes its record alone and a recovery keeps every parent link; of two records of one
 * snapshot the manifest says which is live, and without a manifest the later written; a copy of format-1 records
 * still recovers, with parents by name and ids derived alike by every recovery.
 */
@Timeout(300)
class SnapshotRecordFormat2Test {

    @TempDir
    Path tmp;

    private Path partner() {
        return tmp.resolve("partner");
    }

    private CliRun.Result recover(Path key, String dir) {
        return CliRun.run("recover", "--partner", partner().toString(), "--repo", tmp.resolve(dir).toString(),
                "--key-file", key.toString());
    }

    /** Every snapshot record file at the partner with the record it holds. */
    private static Map<String, SnapshotRecord> records(PartnerFixture f) throws Exception {
        Map<String, SnapshotRecord> out = new TreeMap<>();
        PartnerTarget t = f.target();
        for (String n : t.list(PartnerTarget.Kind.SNAPSHOT)) {
            out.put(n, SnapshotRecord.decode(MetaFiles.readSnapshot(f.keys.blobCipher(),
                    t.load(PartnerTarget.Kind.SNAPSHOT, n), n)));
        }
        return out;
    }

    private record Replicated(PartnerFixture f, Path key, Replicator rep, Map<String, Map<String, byte[]>> nights) {
    }

    /** A repo with {@code nights} snapshots, each the parent of the next, replicated by one pass. */
    private Replicated replicated(int nights) throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, partner());
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        for (int n = 1; n <= nights; n++) {
            Map<String, byte[]> night = PartnerFixture.night(n, 40 + n, 1, 6_000);
            f.snapshot("night-" + n, night, true);
            all.put("night-" + n, night);
            Thread.sleep(3); // distinct snapshot times, as nights have: snapshots of one millisecond list by name
        }
        assertTrue(rep.runPass().partnerMatched());
        return new Replicated(f, key, rep, all);
    }

    private static void deleteManifests(PartnerFixture f) throws Exception {
        try (Stream<Path> s = Files.list(f.copyDir.resolve("manifests"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }

    private static List<Snapshots.Row> rows(StoreFixture st) throws Exception {
        return st.catalog.transaction(Snapshots::list);
    }

    @Test
    void aRenamedAndRetaggedParentIsRepublishedAloneAndRecoverKeepsEveryParentLink() throws Exception {
        Replicated rr = replicated(3);
        PartnerFixture f = rr.f();
        Path key = rr.key();
        Replicator rep = rr.rep();
        Map<String, Map<String, byte[]>> nights = rr.nights();
        Map<String, SnapshotRecord> before = records(f);
        assertTrue(before.values().stream().allMatch(r -> r.format() == 2), before.toString());

        SnapshotService s = new SnapshotService(f.s.store);
        s.rename("night-1", "monday");
        s.retag("monday", Set.of("keep"), Set.of("nightly"));
        s.retag("night-2", Set.of("audit"), Set.of());
        s.rename("night-2", "tuesday"); // a parent and a child at once
        assertTrue(rep.runPass().partnerMatched());
        Map<String, SnapshotRecord> after = records(f);
        // The children's record files are the ones published before the edits; the pass added one record per
        // edited snapshot and deleted none (partner prune does).
        Set<String> added = new HashSet<>(after.keySet());
        added.removeAll(before.keySet());
        assertTrue(after.keySet().containsAll(before.keySet()), after.toString());
        assertEquals(Set.of("monday", "tuesday"), added.stream().map(n -> after.get(n).name())
                .collect(java.util.stream.Collectors.toSet()));
        assertEquals(2, added.size());
        List<Snapshots.Row> home = f.s.catalog.transaction(Snapshots::list);
        f.close();

        CliRun.Result rec = recover(key, "r");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("ignored 2 snapshot records the manifest does not list"), rec.out());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r"), f.keys)) {
            List<Snapshots.Row> got = rows(st);
            assertEquals(List.of("monday", "tuesday", "night-3"), got.stream().map(Snapshots.Row::name).toList());
            for (int i = 0; i < 3; i++) {
                assertEquals(home.get(i).stableId(), got.get(i).stableId());
                assertEquals(home.get(i).tag(), got.get(i).tag());
                assertEquals(home.get(i).parentStableId(), got.get(i).parentStableId());
            }
            assertEquals("keep", got.get(0).tag());
            assertEquals("nightly,audit", got.get(1).tag());
            assertEquals(got.get(0).id(), got.get(1).parentId());
            assertEquals("monday", got.get(1).parentName());
            assertEquals(got.get(1).id(), got.get(2).parentId());
            assertEquals("tuesday", got.get(2).parentName());
            List<String> names = List.of("monday", "tuesday", "night-3");
            int i = 0;
            for (Map<String, byte[]> files : nights.values()) {
                Map<String, byte[]> restored = PartnerFixture.restore(st, names.get(i++));
                assertEquals(files.keySet(), restored.keySet());
                for (String k : files.keySet()) {
                    assertArrayEquals(files.get(k), restored.get(k), k);
                }
            }
        }
    }

    @Test
    void ofTwoRecordsOfOneSnapshotTheManifestDecidesAndWithoutOneTheLaterWrittenWins() throws Exception {
        Replicated rr = replicated(2);
        PartnerFixture f = rr.f();
        Path key = rr.key();
        Replicator rep = rr.rep();
        Thread.sleep(5); // the new record is written at a later millisecond
        new SnapshotService(f.s.store).rename("night-1", "monday");
        assertTrue(rep.runPass().partnerMatched());
        String id = f.s.catalog.transaction(tx -> Snapshots.byName(tx, "monday")).stableId().hex();
        // Both records of the snapshot are at the partner (prune has not run): the manifest lists the new one.
        assertEquals(2, records(f).values().stream().filter(r -> r.id().hex().equals(id)).count());
        f.close();

        CliRun.Result rec = recover(key, "with-manifest");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("ignored 1 snapshot records the manifest does not list"), rec.out());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("with-manifest"), f.keys)) {
            assertEquals(List.of("monday", "night-2"), rows(st).stream().map(Snapshots.Row::name).toList());
        }

        deleteManifests(f); // no manifest to say which is live: the record written last is
        rec = recover(key, "no-manifest");
        assertEquals(0, rec.exit(), rec.toString());
        assertTrue(rec.err().startsWith("WARNING: the partner copy has no manifest"), rec.err());
        assertTrue(rec.out().contains("note: an older record of snapshot " + id + " (as 'night-1') is ignored"),
                rec.out());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("no-manifest"), f.keys)) {
            List<Snapshots.Row> got = rows(st);
            assertEquals(List.of("monday", "night-2"), got.stream().map(Snapshots.Row::name).toList());
            assertEquals(id, got.get(0).stableId().hex());
            assertEquals(got.get(0).id(), got.get(1).parentId());
        }
    }

    @Test
    void aCopyOfFormatOneRecordsRecoversWithParentsByNameAndIdsEveryRecoveryDerivesAlike() throws Exception {
        Replicated rr = replicated(2);
        PartnerFixture f = rr.f();
        Path key = rr.key();
        Map<String, Map<String, byte[]>> nights = rr.nights();
        // The copy as a pactfs before format 2 wrote it: format-1 records (parent by name), no manifest.
        PartnerTarget t = f.target();
        for (Map.Entry<String, SnapshotRecord> e : records(f).entrySet()) {
            SnapshotRecord r = e.getValue();
            // night-1's parent "night-0" is not in the copy (forgotten): a parent known by name only.
            MetaFiles.Built old = MetaFiles.snapshot(f.keys.blobCipher(), new SecureRandom(), SnapshotRecordTest.format1(
                    r.name(), r.timeMs(), r.host(), r.tagField(), r.root().toBytes(),
                    r.parent() == null ? "night-0" : r.parent()));
            t.save(PartnerTarget.Kind.SNAPSHOT, old.name(), old.bytes());
            t.delete(PartnerTarget.Kind.SNAPSHOT, e.getKey());
        }
        deleteManifests(f);
        f.close();

        assertEquals(0, recover(key, "r1").exit());
        assertEquals(0, recover(key, "r2").exit());
        List<Snapshots.Row> first;
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r2"), f.keys)) {
            first = rows(st);
        }
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r1"), f.keys)) {
            List<Snapshots.Row> got = rows(st);
            assertEquals(List.of("night-1", "night-2"), got.stream().map(Snapshots.Row::name).toList());
            assertEquals(first.get(0).stableId(), got.get(0).stableId());
            assertEquals(first.get(1).stableId(), got.get(1).stableId());
            assertEquals(got.get(0).id(), got.get(1).parentId());
            assertEquals(got.get(0).stableId(), got.get(1).parentStableId());
            assertEquals("nightly", got.get(0).tag());
            assertEquals(nights.get("night-2").keySet(), PartnerFixture.restore(st, "night-2").keySet());
            // The child's record names its parent by name: renaming the parent republishes both, as format 2.
            assertEquals("night-0", got.get(0).parentName());
            new SnapshotService(st.store).rename("night-1", "monday");
            assertEquals(List.of("monday", "night-2"), st.catalog.transaction(PartnerCatalog::unreplicatedSnapshots)
                    .stream().map(PartnerCatalog.SnapshotRow::name).toList());
            // The recovered repo's next pass publishes both as format 2, the child naming its parent by id.
            Replicator rep = new Replicator(st.store, f.keys.blobCipher(), f.keys.manifestKey(), f.target(), f.repoId,
                    2048, 8192, 32768, dev.pactfs.store.RepoConfig.FORMAT, Replicator.Options.defaults());
            rep.runPass();
            Map<String, SnapshotRecord> now = new TreeMap<>();
            records(f).values().stream().filter(r -> r.format() == 2).forEach(r -> now.put(r.name(), r));
            assertEquals(Set.of("monday", "night-2"), now.keySet());
            assertEquals(got.get(0).stableId(), now.get("monday").id());
            assertEquals(got.get(0).stableId(), now.get("night-2").parentId());
            assertEquals(null, now.get("monday").parentId());
        }
    }
}
