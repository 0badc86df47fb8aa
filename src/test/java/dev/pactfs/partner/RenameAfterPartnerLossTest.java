package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.store.Snapshots;
import dev.pactfs.store.StoreFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A snapshot some of whose blobs the partner lost is renamed in the repo recovered from that copy: its new record
 * cannot wait for those blobs (they will never come), or the manifest would name no record of it and a later
 * recover would lose it whole, silently. It is published anyway (the retired record named the same root).
 */
@Timeout(120)
class RenameAfterPartnerLossTest {

    @TempDir
    Path tmp;

    private static Set<String> files(Path dir) throws Exception {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(p -> out.add(dir.relativize(p).toString()));
        }
        return out;
    }

    private static List<String> names(Path repo, PartnerFixture f) throws Exception {
        try (StoreFixture st = StoreFixture.open(repo, f.keys)) {
            return st.catalog.transaction(Snapshots::list).stream().map(Snapshots.Row::name).toList();
        }
    }

    @Test
    void renamingAPartlyLostSnapshotKeepsItRecoverable() throws Exception {
        Path partner = tmp.resolve("partner");
        PartnerFixture f = PartnerFixture.create(tmp, partner);
        Path key = f.writeKeyFile(tmp.resolve("k"));
        Replicator rep = f.replicator(f.target(), Replicator.Options.defaults());
        f.snapshot("night-1", PartnerFixture.night(1, 41, 2, 6_000), true);
        rep.runPass();
        Set<String> packs1 = files(f.copyDir.resolve("packs"));
        f.snapshot("night-2", PartnerFixture.night(2, 42, 2, 6_000), true);
        rep.runPass();
        f.close();
        Set<String> packs2 = files(f.copyDir.resolve("packs"));
        packs2.removeAll(packs1);
        assertTrue(!packs2.isEmpty());
        for (String p : packs2) {
            Files.delete(f.copyDir.resolve("packs").resolve(p)); // the partner lost night-2's new data
        }
        CliRun.Result r1 = CliRun.run("recover", "--partner", partner.toString(), "--repo", tmp.resolve("r1").toString(),
                "--key-file", key.toString());
        assertEquals(1, r1.exit(), r1.toString()); // the lost files are named
        assertEquals(List.of("night-1", "night-2"), names(tmp.resolve("r1"), f));
        try (StoreFixture st = StoreFixture.open(tmp.resolve("r1"), f.keys)) {
            new SnapshotService(st.store).rename("night-2", "tuesday");
            Replicator rep2 = new Replicator(st.store, f.keys.blobCipher(), f.keys.manifestKey(), f.target(), f.repoId,
                    2048, 8192, 32768, dev.pactfs.store.RepoConfig.FORMAT, Replicator.Options.defaults());
            rep2.runPass();
        }
        CliRun.Result r2 = CliRun.run("recover", "--partner", partner.toString(), "--repo", tmp.resolve("r2").toString(),
                "--key-file", key.toString());
        assertEquals(1, r2.exit(), "the loss is still named: " + r2);
        assertTrue(r2.out().contains("tuesday") || r2.err().contains("tuesday"), r2.toString());
        assertEquals(List.of("night-1", "tuesday"), names(tmp.resolve("r2"), f),
                "the renamed snapshot is gone from the recoverable copy");
    }
}
