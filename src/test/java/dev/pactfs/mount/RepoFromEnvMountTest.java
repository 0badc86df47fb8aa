package dev.pactfs.mount;

import static dev.pactfs.mount.CliLauncher.pactfs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code PACTFS_REPO} in place of {@code --repo} (the command line wins), {@code --repo MOUNTPOINT} standing for
 * the repo mounted there, and {@code PACTFS_PASSPHRASE_COMMAND} as {@code --passphrase-command}, through the
 * launcher, mounted (forwarded to the daemon) and unmounted.
 */
@Timeout(150)
class RepoFromEnvMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();


    @Test
    void repoComesFromTheEnvironmentOrAMountpointAndThePassphraseFromACommand() throws Exception {
        String repo = fx.repo().toString();
        Map<String, String> pass = Map.of("PACTFS_PASSPHRASE", MountFixture.PASSPHRASE);
        pactfs(pass, "init", "--repo", repo).ok();
        Map<String, String> env = new HashMap<>();
        env.put("PACTFS_REPO", repo);
        // Unmounted: the passphrase from PACTFS_PASSPHRASE_COMMAND, the repo from PACTFS_REPO.
        env.put("PACTFS_PASSPHRASE_COMMAND", "printf '%s\\n' '" + MountFixture.PASSPHRASE + "'");
        Sh.Result none = pactfs(env, "snapshot", "list");
        assertEquals(0, none.exit(), none.toString());
        assertTrue(none.out().startsWith("NAME "), none.out());
        env.put("PACTFS_PASSPHRASE_COMMAND", "exit 3");
        Sh.Result failing = pactfs(env, "snapshot", "list");
        assertEquals(1, failing.exit(), failing.toString());
        env.remove("PACTFS_PASSPHRASE_COMMAND");
        // The command line wins over PACTFS_REPO.
        env.put("PACTFS_REPO", fx.base().resolve("nowhere").toString());
        Sh.Result explicit = pactfs(env, "snapshot", "list", "--repo", fx.mnt().toString());
        assertEquals(1, explicit.exit(), explicit.toString()); // the (unmounted) mountpoint is no repo
        Sh.Result wrong = pactfs(env, "snapshot", "list");
        assertEquals(1, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().contains(fx.base().resolve("nowhere").toString()), wrong.err());

        pactfs(pass, "mount", "--repo", repo, "--warm-up=0", fx.mnt().toString()).ok();
        Files.writeString(fx.mnt().resolve("f"), "x");
        // Mounted: no passphrase anywhere, the daemon runs the command; the mountpoint names the repo.
        env.put("PACTFS_REPO", fx.mnt().toString());
        assertEquals(0, pactfs(env, "snapshot", "create", "--name", "via-env-mnt").exit());
        Sh.Result byMnt = pactfs(Map.of(), "snapshot", "list", "--repo", fx.mnt().toString());
        assertTrue(byMnt.ok().out().contains("via-env-mnt"), byMnt.out());
        env.put("PACTFS_REPO", repo);
        Sh.Result byEnv = pactfs(env, "snapshot", "rename", "via-env-mnt", "renamed");
        assertEquals("renamed via-env-mnt to renamed\n", byEnv.ok().out());
        // init and recover never take PACTFS_REPO: a new repo is named on the command line.
        Sh.Result init = pactfs(env, "init");
        assertEquals(2, init.exit(), init.toString());
    }
}
