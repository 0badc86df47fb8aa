package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * As KernelCacheMountTest, for the snapshot commands over the control socket: create, rm, rename and tag (decision
 * 0008) change /.snapshots while a loop in the mount keeps its old names cached in the kernel.
 */
@Tag("mount")
class KernelCacheSnapshotMountTest {

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /** One mount for the snapshot cases, in order: s1 and s2 made, s1 removed, s2 renamed. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void snapshotCommandsShowAtOnce() throws Exception {
        snapshotShowsAtOnce();
        snapshotRmShowsAtOnce();
        snapshotRenameShowsAtOnce();
    }

    private void snapshotShowsAtOnce() throws Exception {
        fx.inMount("mkdir d; printf 1 > d/a").ok();
        for (int i = 1; i <= 2; i++) {
            String name = "s" + i;
            List<String> cached = List.of(".snapshots/" + name, ".snapshots/" + name + "/d/a", ".snapshots");
            Sh.Result r = StatLoop.whileCached(fx, cached, """
                    "$PACTFS" snapshot create --repo "$REPO" --name %s >/dev/null
                    stat -c %%F .snapshots/%s; cat .snapshots/%s/d/a; echo; ls .snapshots | grep -c '^s'
                    """.formatted(name, name, name));
            assertEquals("directory\n1\n" + i + "\n", r.out(), "snapshot " + name + " must show at once");
        }
    }

    private void snapshotRmShowsAtOnce() throws Exception {
        Sh.Result r = StatLoop.whileCached(fx, List.of(".snapshots/s1", ".snapshots/s1/d/a"), """
                "$PACTFS" snapshot rm --repo "$REPO" s1 >/dev/null
                stat .snapshots/s1/d/a 2>/dev/null || echo gone
                stat .snapshots/s1 2>/dev/null || echo gone
                """);
        assertEquals("gone\ngone\n", r.out(), "a removed snapshot must be gone at once");
    }

    /** snapshot rename and tag (decision 0008) change /.snapshots over the socket too. */
    private void snapshotRenameShowsAtOnce() throws Exception {
        List<String> cached = List.of(".snapshots/s2", ".snapshots/s2/d/a", ".snapshots/s3", ".snapshots/s3/d/a");
        Sh.Result r = StatLoop.whileCached(fx, cached, """
                "$PACTFS" snapshot rename --repo "$REPO" s2 s3 >/dev/null
                "$PACTFS" snapshot tag --repo "$REPO" s3 --add kept >/dev/null
                stat .snapshots/s2/d/a 2>/dev/null || echo gone
                stat .snapshots/s2 2>/dev/null || echo gone
                cat .snapshots/s3/d/a; echo; ls .snapshots | grep "^s"
                """);
        assertEquals("gone\ngone\n1\ns3\n", r.out(), "a renamed snapshot must show under its new name at once");
    }
}
