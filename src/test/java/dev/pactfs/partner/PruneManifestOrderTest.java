package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.store.PartnerCatalog;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partner prune deletes a file only once the manifest home last published no longer names it: a prune stopped
 * before its manifest, or whose manifest was not published, leaves the partner's newest manifest true (every file
 * it names is there, every blob it needs is in a pack it names), so a recovery at that moment loses nothing. Once
 * the manifest was published, the files it dropped are deleted (by the prune, or by the next passes).
 */
@Timeout(120)
class PruneManifestOrderTest {

    @TempDir
    Path tmp;

    private static final long PACK = 64 * 1024;

    /** Two snapshots replicated, the first removed at home and collected: its packs are now prune's to drop. */
    private PartnerFixture twoNightsFirstForgotten() throws IOException {
        PartnerFixture f = PartnerFixture.create(tmp, Files.createDirectories(tmp.resolve("partner")));
        f.snapshot("first", PartnerFixture.night(1, 11, 6, 40_000));
        f.snapshot("second", PartnerFixture.night(2, 22, 6, 40_000));
        f.replicator(f.target(), PACK).runPass();
        f.s.catalog.transaction(tx -> Snapshots.delete(tx, Snapshots.byName(tx, "first"), System.currentTimeMillis()));
        f.s.store.collectGarbage();
        return f;
    }

    private static Set<String> packsAtHome(PartnerFixture f) throws IOException {
        Set<String> out = new HashSet<>();
        for (PartnerCatalog.PartnerPack p : f.s.catalog.transaction(PartnerCatalog::packs)) {
            out.add(HexFormat.of().formatHex(p.name()));
        }
        return out;
    }

    private static void assertGoneFromPartner(PartnerFixture f, Set<String> packs) throws IOException {
        List<String> left = f.target().list(PartnerTarget.Kind.PACK);
        for (String d : packs) {
            assertFalse(left.contains(d), "dropped pack " + d + " is still at the partner");
        }
    }

    /** What a recovery from the copy as its newest manifest describes it finds; asserts no loss and "second". */
    private void assertRecoversWhole(PartnerFixture f, Map<String, byte[]> second, String dir) throws IOException {
        ManifestRecovery.Verdict v = ManifestRecovery.check(f.target(), f.keys.manifestKey(), f.keys.blobCipher());
        assertEquals(List.of(), v.losses(), "the newest manifest names files the partner lacks");
        try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve(dir)), f.keys)) {
            Recovery.Result r = Recovery.rebuildCatalog(st.store, ManifestRecovery.view(f.target(), v), f.keys.blobCipher());
            assertTrue(r.lostFiles().isEmpty(), r.lostFiles().toString());
            Map<String, byte[]> got = PartnerFixture.restore(st, "second");
            assertEquals(second.keySet(), got.keySet());
            for (String k : second.keySet()) {
                assertArrayEquals(second.get(k), got.get(k), k);
            }
        }
    }

    @Test
    void aPruneStoppedBeforeItsManifestDeletesNothingAndTheCopyStaysWhole() throws IOException {
        try (PartnerFixture f = twoNightsFirstForgotten()) {
            Map<String, byte[]> second = PartnerFixture.restore(f.s, "second");
            Set<String> before = packsAtHome(f);
            Set<String> atPartner = new HashSet<>(f.target().list(PartnerTarget.Kind.PACK));
            int records = f.target().list(PartnerTarget.Kind.SNAPSHOT).size();

            IOException killed = assertThrows(IOException.class, () -> PartnerPrune.run(f.s.store, f.keys.blobCipher(),
                    f.target(), 0.99, PACK, () -> {
                        throw new IOException("killed before the manifest");
                    }));
            assertEquals("killed before the manifest", killed.getMessage());
            Set<String> dropped = new HashSet<>(before);
            dropped.removeAll(packsAtHome(f));
            assertFalse(dropped.isEmpty(), "the prune forgot no pack at home: nothing was tested");
            assertTrue(f.target().list(PartnerTarget.Kind.PACK).containsAll(atPartner), "a pack was deleted");
            assertEquals(records, f.target().list(PartnerTarget.Kind.SNAPSHOT).size(), "a record was deleted");
            assertRecoversWhole(f, second, "rec-killed");

            // The next pass publishes a manifest without the forgotten packs and keeps them (its own manifest
            // named them when it started); the pass after deletes them.
            Replicator rep = f.replicator(f.target(), PACK);
            rep.runPass();
            assertTrue(f.target().list(PartnerTarget.Kind.PACK).containsAll(dropped));
            assertRecoversWhole(f, second, "rec-pass1");
            rep.runPass();
            assertGoneFromPartner(f, dropped);
            assertRecoversWhole(f, second, "rec-pass2");
        }
    }

    @Test
    void aPruneWhoseManifestWasNotPublishedKeepsWhatTheOldOneNames() throws IOException {
        try (PartnerFixture f = twoNightsFirstForgotten()) {
            Map<String, byte[]> second = PartnerFixture.restore(f.s, "second");
            Set<String> atPartner = new HashSet<>(f.target().list(PartnerTarget.Kind.PACK));
            PartnerPrune.Result r = PartnerPrune.run(f.s.store, f.keys.blobCipher(), f.target(), 0.99, PACK, () -> { });
            assertTrue(r.packsRepacked() + r.packsDeleted() > 0, r.toString());
            assertEquals(0, r.bytesFreed(), "freed bytes the partner still holds");
            assertEquals(0, r.snapshotRecordsDeleted(), "deleted a record the old manifest names");
            assertTrue(f.target().list(PartnerTarget.Kind.PACK).containsAll(atPartner), "a named pack was deleted");
            assertRecoversWhole(f, second, "rec");
        }
    }

    @Test
    void pruneThroughTheReplicatorDeletesWhatItsManifestDropped() throws IOException {
        try (PartnerFixture f = twoNightsFirstForgotten()) {
            Map<String, byte[]> second = PartnerFixture.restore(f.s, "second");
            Set<String> before = packsAtHome(f);
            PartnerPrune.Result r = f.replicator(f.target(), PACK).prune(0.99);
            assertTrue(r.bytesFreed() > 0, r.toString());
            assertEquals(1, r.snapshotRecordsDeleted(), r.toString());
            Set<String> dropped = new HashSet<>(before);
            dropped.removeAll(packsAtHome(f));
            assertGoneFromPartner(f, dropped);
            assertRecoversWhole(f, second, "rec");
        }
    }

    /**
     * A rename between two passes, then prune: the prune's manifest step publishes the renamed snapshot's new
     * record before its manifest stops naming the old one, so the copy is never without a record of it.
     */
    @Test
    void aRenameThenPruneWithoutAPassKeepsTheSnapshotRecoverable() throws IOException {
        try (PartnerFixture f = twoNightsFirstForgotten()) {
            Map<String, byte[]> second = PartnerFixture.restore(f.s, "second");
            f.s.catalog.transaction(tx -> {
                Snapshots.rename(tx, Snapshots.byName(tx, "second"), "renamed");
                return null;
            });
            f.replicator(f.target(), PACK).prune(0.99);
            ManifestRecovery.Verdict v = ManifestRecovery.check(f.target(), f.keys.manifestKey(), f.keys.blobCipher());
            assertEquals(List.of(), v.losses());
            try (StoreFixture st = StoreFixture.open(Files.createDirectories(tmp.resolve("rec")), f.keys)) {
                Recovery.rebuildCatalog(st.store, ManifestRecovery.view(f.target(), v), f.keys.blobCipher());
                List<String> names = st.catalog.transaction(Snapshots::list).stream().map(Snapshots.Row::name).toList();
                assertEquals(List.of("renamed"), names);
                Map<String, byte[]> got = PartnerFixture.restore(st, "renamed");
                assertEquals(second.keySet(), got.keySet());
            }
            assertEquals(1, f.target().list(PartnerTarget.Kind.SNAPSHOT).size(), "the retired records are gone");
        }
    }

    /**
     * A repo migrated after its copy's repo info was written: the next pass publishes an info of the new format
     * (a recovery would otherwise make a repo of the old format over blobs of the new), the manifest names it,
     * a recovery reads it, and prune deletes the old one once no manifest names it.
     */
    @Test
    void aMigratedRepoPublishesItsNewFormatAndPruneDeletesTheOldInfo() throws IOException {
        try (PartnerFixture f = PartnerFixture.create(tmp, Files.createDirectories(tmp.resolve("partner")))) {
            f.snapshot("first", PartnerFixture.night(1, 11, 2, 10_000));
            Replicator.Options o = new Replicator.Options(PACK, 1L << 20);
            new Replicator(f.s.store, f.keys.blobCipher(), f.keys.manifestKey(), f.target(), f.repoId, 2048, 8192,
                    32768, 1, o).runPass();
            Recovery.RepoInfo old = Recovery.repoInfo(f.target(), f.keys.blobCipher());
            assertEquals(1, old.repoFormat());

            Replicator rep = f.replicator(f.target(), PACK); // the repo's format is now RepoConfig.FORMAT
            rep.runPass();
            ManifestRecovery.Verdict v = ManifestRecovery.check(f.target(), f.keys.manifestKey(), f.keys.blobCipher());
            Recovery.RepoInfo named = Recovery.repoInfoNamed(f.target(), f.keys.blobCipher(), v.repoInfoName());
            assertEquals(dev.pactfs.store.RepoConfig.FORMAT, named.repoFormat());
            assertEquals(named, Recovery.repoInfo(f.target(), f.keys.blobCipher()), "the newest format wins");
            assertTrue(f.target().list(PartnerTarget.Kind.INDEX).contains(old.file()), "deleted before a prune");

            rep.runPass(); // nothing changed: the pass keeps the new info and publishes nothing new
            assertEquals(v.seq(), ManifestRecovery.check(f.target(), f.keys.manifestKey(), f.keys.blobCipher()).seq());
            rep.prune(0.99);
            assertFalse(f.target().list(PartnerTarget.Kind.INDEX).contains(old.file()), "the old info is still there");
            assertEquals(named, Recovery.repoInfo(f.target(), f.keys.blobCipher()));
        }
    }
}
