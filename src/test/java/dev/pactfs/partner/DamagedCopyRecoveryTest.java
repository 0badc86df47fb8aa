package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.ChunkId;
import dev.pactfs.snapshot.GraphCheck;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recovery from a partner copy that lost or damaged files: the references are rebuilt from the decoded trees, never
 * from index files, so a missing index file costs nothing; an unreadable tree marks the recovered catalog
 * unproven, and nothing is deleted until the graph is proven again. Each case once took data: a missing index
 * file made the recovered catalog edge-less, and the next gc freed every data chunk.
 */
@Timeout(120)
class DamagedCopyRecoveryTest extends TwoReplicatedNights {

    @Test
    void withEveryIndexFileDeletedRecoveryRebuildsAllReferencesAndGcFreesNothing() throws IOException {
        List<String> deleted = new ArrayList<>();
        for (String name : f.target().list(PartnerTarget.Kind.INDEX)) {
            byte[] file = f.target().load(PartnerTarget.Kind.INDEX, name);
            if (MetaFiles.kindOf(file, name) == Envelope.INDEX) {
                Files.delete(f.copyDir.resolve("index").resolve(name));
                deleted.add(name);
            }
        }
        assertTrue(deleted.size() > 2, "several packs: " + deleted);
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertEquals(List.of(), r.problems());
            assertEquals(deleted.size(), r.notes().size(), r.notes().toString());
            assertTrue(r.notes().stream().allMatch(n -> n.contains("indexed from the pack itself")), r.notes().toString());
            assertTrue(r.proven());
            assertEquals(List.of(), r.lostFiles());
            List<String> problems = new ArrayList<>();
            assertEquals(Set.of(), Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, problems));
            assertEquals(List.of(), problems);
            assertHomeEdgesEqual(st);
            long blobs = countBlobs(st);
            st.store.collectGarbage();
            assertEquals(blobs, countBlobs(st), "gc after recovery freed live blobs");
            assertRestores(st, "first", first);
            assertRestores(st, "second", second);
            assertTrue(st.store.check(true).clean(), st.store.check(true).problems().toString());
        }
    }

    @Test
    void aDamagedIndexFileIsNamedAndItsPackIsReadFromItsTrailer() throws IOException {
        String victim = null;
        for (String name : f.target().list(PartnerTarget.Kind.INDEX)) {
            if (MetaFiles.kindOf(f.target().load(PartnerTarget.Kind.INDEX, name), name) == Envelope.INDEX) {
                victim = name;
            }
        }
        Path file = f.copyDir.resolve("index").resolve(victim);
        byte[] b = Files.readAllBytes(file);
        b[b.length - 20] ^= 0x10;
        Files.write(file, b);
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertEquals(1, r.problems().size(), r.problems().toString());
            assertTrue(r.problems().get(0).startsWith("index/" + victim), r.problems().toString());
            assertTrue(r.proven());
            assertEquals(List.of(), r.lostFiles());
            assertEquals(Set.of(), Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, new ArrayList<>()));
            assertHomeEdgesEqual(st);
            long blobs = countBlobs(st);
            st.store.collectGarbage();
            assertEquals(blobs, countBlobs(st));
            assertRestores(st, "first", first);
            assertRestores(st, "second", second);
        }
    }

    @Test
    void aMissingPackWithATreeLeavesTheCatalogUnprovenAndNothingIsDeletedUntilItIsProven() throws IOException {
        ChunkId secondTop = f.s.catalog.transaction(Snapshots::list).stream()
                .filter(s -> s.name().equals("second")).findFirst().orElseThrow().root();
        String pack = HexFormat.of().formatHex(f.s.catalog.transaction(tx -> PartnerCatalog.location(tx, secondTop)).pack());
        ChunkId firstTop = f.s.catalog.transaction(Snapshots::list).stream()
                .filter(s -> s.name().equals("first")).findFirst().orElseThrow().root();
        assertFalse(pack.equals(HexFormat.of().formatHex(
                f.s.catalog.transaction(tx -> PartnerCatalog.location(tx, firstTop)).pack())), "trees of one pass per pack");
        Files.delete(f.copyDir.resolve("packs").resolve(pack.substring(0, 2)).resolve(pack));

        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, f.target(), f.keys.blobCipher());
            assertFalse(r.proven());
            assertTrue(r.problems().stream().anyMatch(p -> p.contains("pack " + pack) && p.contains("missing")),
                    r.problems().toString());
            assertEquals(1, r.lostFiles().size(), r.lostFiles().toString());
            assertTrue(r.lostFiles().get(0).startsWith("second:/ (directory listing unreadable"), r.lostFiles().toString());
            assertTrue(st.catalog.transaction(GraphProof::unproven).contains("unreadable"));
            Recovery.fetchPayloads(st.store, f.target(), (d, t) -> { }, new ArrayList<>());

            // Every deletion path refuses while the graph is unproven.
            long blobs = countBlobs(st);
            IOException gc = assertThrows(GraphProof.UnprovenException.class, st.store::collectGarbage);
            assertTrue(gc.getMessage().contains(GraphProof.PROVE_COMMAND), gc.getMessage());
            assertThrows(GraphProof.UnprovenException.class, () -> CacheLimit.enforce(st.store, 1));
            assertThrows(GraphProof.UnprovenException.class,
                    () -> PartnerPrune.run(st.store, f.keys.blobCipher(), f.target(), 0.99, 64 * 1024, () -> { }));
            assertEquals(blobs, countBlobs(st));
            assertRestores(st, "first", first);

            // The check cannot prove it while "second" reaches the unreadable tree...
            GraphCheck.Result unprovable = GraphCheck.run(st.store, true);
            assertFalse(unprovable.proven());
            assertEquals(Set.of(secondTop), unprovable.walk().unreadableTrees());
            assertThrows(GraphProof.UnprovenException.class, st.store::collectGarbage);
            // ...and proves it once that snapshot is forgotten; then gc runs and "first" still restores.
            st.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "second"), 0));
            GraphCheck.Result proven = GraphCheck.run(st.store, true);
            assertTrue(proven.proven(), proven.toString());
            assertTrue(proven.clean(), proven.toString());
            assertEquals(null, st.catalog.transaction(GraphProof::unproven));
            st.store.collectGarbage();
            assertRestores(st, "first", first);
            assertTrue(st.store.check(true).clean(), st.store.check(true).problems().toString());
        }
    }

    @Test
    void theCommandLineNamesEveryLostFileRefusesGcAndProvesTheGraphAfterAForget() throws IOException {
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        ChunkId secondTop = f.s.catalog.transaction(Snapshots::list).stream()
                .filter(s -> s.name().equals("second")).findFirst().orElseThrow().root();
        String pack = HexFormat.of().formatHex(f.s.catalog.transaction(tx -> PartnerCatalog.location(tx, secondTop)).pack());
        Files.delete(f.copyDir.resolve("packs").resolve(pack.substring(0, 2)).resolve(pack));
        String repo = tmp.resolve("rec").toString();
        CliRun.Result rec = CliRun.run("recover", "--partner", f.partnerDir.toString(), "--repo", repo,
                "--key-file", key.toString());
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("every directory listing decoded: NO"), rec.out());
        assertTrue(rec.out().contains("cannot restore: second:/ (directory listing unreadable"), rec.out());
        assertTrue(rec.out().contains("recovered repo " + repo + " (id " + f.repoId + ") with losses: 1 files cannot be"
                + " restored"), rec.out());

        CliRun.Result gc = CliRun.run("gc", "--repo", repo, "--key-file", key.toString());
        assertEquals(1, gc.exit(), gc.toString());
        assertEquals("pactfs: refusing to collect garbage: the catalog's references are not proven complete (recovered"
                + " from a partner copy with 1 unreadable directory listings); nothing is deleted until `"
                + GraphProof.PROVE_COMMAND + "` has proven them", gc.err().strip());
        CliRun.Result check = CliRun.run("check", "--repo", repo, "--key-file", key.toString());
        assertEquals(1, check.exit(), check.toString());
        assertTrue(check.out().contains("not proven complete"), check.out());
        CliRun.Result stillLost = CliRun.run("check", "--repo", repo, "--key-file", key.toString(), "--read-trees",
                "--repair");
        assertEquals(1, stillLost.exit(), stillLost.toString());
        assertTrue(stillLost.out().contains("references NOT proven"), stillLost.out());

        assertEquals(0, CliRun.run("snapshot", "rm", "--repo", repo, "--key-file", key.toString(), "second").exit(),
                "snapshot rm second");
        CliRun.Result proven = CliRun.run("check", "--repo", repo, "--key-file", key.toString(), "--read-trees",
                "--repair", "--read-data");
        assertEquals(0, proven.exit(), proven.toString());
        assertTrue(proven.out().contains("references proven: "), proven.out());
        assertEquals(0, CliRun.run("gc", "--repo", repo, "--key-file", key.toString()).exit());
    }

    @Test
    void checkReadTreesFindsAndRepairsATreeWhoseRecordedReferencesAreWrong() throws IOException {
        ChunkId firstTop = f.s.catalog.transaction(Snapshots::list).stream()
                .filter(s -> s.name().equals("first")).findFirst().orElseThrow().root();
        ChunkId listing = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, firstTop)).keySet().iterator().next();
        // A catalog that lost the edges of one listing (as a recovery from index files alone once produced).
        f.s.catalog.transaction(tx -> {
            dev.pactfs.store.BlobGraph.replaceChildren(tx, listing, Map.of());
            PartnerCatalog.recomputeRefcounts(tx);
            return null;
        });
        GraphCheck.Result found = GraphCheck.run(f.s.store, false);
        assertEquals(List.of(listing), found.wrongEdges());
        assertFalse(found.proven());
        assertThrows(GraphProof.UnprovenException.class, f.s.store::collectGarbage);
        GraphCheck.Result repaired = GraphCheck.run(f.s.store, true);
        assertTrue(repaired.repaired() && repaired.proven() && repaired.clean(), repaired.toString());
        long blobs = countBlobs(f.s);
        f.s.store.collectGarbage();
        assertEquals(blobs, countBlobs(f.s), "the repaired references keep every chunk of 'first'");
        assertTrue(f.s.store.check(true).clean(), f.s.store.check(true).problems().toString());
        assertEquals(List.of(), GraphCheck.run(f.s.store, false).wrongEdges());
    }

    /** The recovered catalog holds exactly the references home recorded. */
    private void assertHomeEdgesEqual(StoreFixture st) throws IOException {
        for (Snapshots.Row row : f.s.catalog.transaction(Snapshots::list)) {
            ChunkId top = row.root();
            Map<ChunkId, Integer> home = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, top));
            Map<ChunkId, Integer> recovered = st.catalog.transaction(tx -> PartnerCatalog.children(tx, top));
            assertEquals(home, recovered);
            for (ChunkId listing : home.keySet()) {
                Map<ChunkId, Integer> h = f.s.catalog.transaction(tx -> PartnerCatalog.children(tx, listing));
                Map<ChunkId, Integer> r = st.catalog.transaction(tx -> PartnerCatalog.children(tx, listing));
                assertFalse(h.isEmpty());
                assertEquals(h, r);
            }
        }
    }

    private static long countBlobs(StoreFixture st) throws IOException {
        return st.store.check(false).chunks();
    }

    private static void assertRestores(StoreFixture st, String name, Map<String, byte[]> expected) throws IOException {
        Map<String, byte[]> got = PartnerFixture.restore(st, name);
        assertEquals(expected.keySet(), got.keySet());
        for (String k : expected.keySet()) {
            assertArrayEquals(expected.get(k), got.get(k), k);
        }
    }
}
