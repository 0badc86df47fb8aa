package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.store.RepoConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy whose repo was migrated holds the repo info of both formats until a prune. `recover` makes the repo of
 * the format the manifest names; when the partner lacks that info and only an older one is left, it refuses in one
 * line rather than make a repo of the old format over blobs of the new.
 */
@Timeout(120)
class MigratedCopyRepoInfoTest {

    @TempDir
    Path tmp;

    @Test
    void recoverTakesTheNamedInfoAndRefusesWhenOnlyAnOlderOneIsLeft() throws Exception {
        Path partner = tmp.resolve("partner");
        PartnerFixture f = PartnerFixture.create(tmp, partner);
        Path key = f.writeKeyFile(tmp.resolve("k"));
        f.snapshot("first", PartnerFixture.night(1, 11, 2, 10_000));
        Replicator.Options o = new Replicator.Options(64 * 1024, 1L << 20);
        new Replicator(f.s.store, f.keys.blobCipher(), f.keys.manifestKey(), f.target(), f.repoId, 2048, 8192, 32768,
                1, o).runPass();
        Recovery.RepoInfo old = Recovery.repoInfo(f.target(), f.keys.blobCipher());
        f.replicator(f.target(), 64 * 1024).runPass(); // migrated: a new info of RepoConfig.FORMAT
        Recovery.RepoInfo current = Recovery.repoInfo(f.target(), f.keys.blobCipher());
        assertEquals(RepoConfig.FORMAT, current.repoFormat());
        f.close();

        CliRun.Result ok = CliRun.run("recover", "--partner", partner.toString(), "--repo", tmp.resolve("r1").toString(),
                "--key-file", key.toString());
        assertEquals(0, ok.exit(), ok.toString());
        assertEquals(RepoConfig.FORMAT, RepoConfig.read(tmp.resolve("r1")).format());

        Files.delete(f.copyDir.resolve("index").resolve(current.file())); // the partner withholds the new info
        CliRun.Result refused = CliRun.run("recover", "--partner", partner.toString(), "--repo",
                tmp.resolve("r2").toString(), "--key-file", key.toString());
        assertEquals(1, refused.exit(), refused.toString());
        String last = refused.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("pactfs: the repo info the partner's manifest names (" + current.file() + ")"), last);
        assertTrue(last.endsWith("refusing (the copy may have been migrated since)"), last);
        assertFalse(refused.err().contains("\tat "), "a stack trace: " + refused.err());
        assertFalse(Files.exists(tmp.resolve("r2").resolve("config")), "a repo was made");
        assertEquals(1, old.repoFormat());
    }
}
