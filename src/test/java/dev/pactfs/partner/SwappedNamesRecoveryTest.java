package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two snapshots whose names were swapped, recovered without a manifest (before a prune): both come back. */
@Timeout(300)
class SwappedNamesRecoveryTest {

    @TempDir
    Path tmp;

    @Test
    void swappedNamesLoseNoSnapshotWithoutAManifest() throws Exception {
        Path partner = tmp.resolve("partner");
        PartnerFixture f = PartnerFixture.create(tmp, partner);
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        f.snapshot("night-1", PartnerFixture.night(1, 41, 1, 6_000), true);
        Thread.sleep(5); // distinct snapshot times
        f.snapshot("night-2", PartnerFixture.night(2, 42, 1, 6_000), true);
        assertTrue(rep.runPass().partnerMatched());
        Thread.sleep(5);
        SnapshotService s = new SnapshotService(f.s.store);
        s.rename("night-2", "tmp");
        s.rename("night-1", "night-2");
        s.rename("tmp", "night-1");
        assertTrue(rep.runPass().partnerMatched());
        List<Snapshots.Row> home = f.s.catalog.transaction(Snapshots::list);
        try (Stream<Path> st = Files.list(f.copyDir.resolve("manifests"))) {
            for (Path p : st.toList()) {
                Files.delete(p);
            }
        }
        f.close();
        CliRun.Result rec = CliRun.run("recover", "--partner", partner.toString(), "--repo",
                tmp.resolve("r").toString(), "--key-file", key.toString());
        assertEquals(0, rec.exit(), rec.toString());
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r"), f.keys)) {
            List<Snapshots.Row> got = st.catalog.transaction(Snapshots::list);
            assertEquals(home.size(), got.size(), "a snapshot was lost: " + got);
            for (Snapshots.Row h : home) {
                assertTrue(got.stream().anyMatch(g -> g.stableId().equals(h.stableId()) && g.name().equals(h.name())
                        && g.root().equals(h.root())), "snapshot " + h.name() + " did not come back as it is at home");
            }
        }
    }
}
