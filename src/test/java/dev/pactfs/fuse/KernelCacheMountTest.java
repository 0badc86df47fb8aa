package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel caches names, failed lookups and attributes for FuseMount.KERNEL_CACHE_SECONDS; nothing seen through
 * the mount may be stale for it. Through the launcher and a real mount: changes the daemon makes without FUSE
 * (commands over the control socket, snapshots), each checked right after the change while a loop in the mount
 * keeps the old state cached in the kernel ({@link StatLoop}). Changes made through FUSE itself:
 * KernelCacheFuseMountTest. Short test names: the control socket lives under /tmp/pactfs-mt-NAME-*&#47;repo and
 * must fit a unix socket path.
 */
@Tag("mount")
class KernelCacheMountTest {

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    private Sh.Result whileCached(List<String> names, String script) throws Exception {
        return StatLoop.whileCached(fx, names, script);
    }

    /** One mount for all the control-socket cases (a mount costs more than the cases). */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void socketChangesShowAtOnce() throws Exception {
        putShowsAtOnce();
        snapshotShowsAtOnce();
        snapshotRmShowsAtOnce();
        snapshotRenameShowsAtOnce();
        restoreShowsAtOnce();
    }

    private void putShowsAtOnce() throws Exception {
        fx.inMount("printf old > f").ok();
        for (int i = 1; i <= 3; i++) {
            // each round: a new size for f, and a name g<i> the kernel has cached as missing
            String content = "new content, round " + i + "x".repeat(i * 100);
            Files.writeString(fx.base().resolve("src"), content);
            Sh.Result r = whileCached(List.of("f", "g" + i), """
                    "$PACTFS" put --repo "$REPO" "$BASE/src" f >/dev/null
                    "$PACTFS" put --repo "$REPO" "$BASE/src" g%d >/dev/null
                    stat -c %%s f; cat f; echo; stat -c %%s g%d; cat g%d; echo
                    ls | grep -c '^g'
                    """.formatted(i, i, i));
            int n = content.getBytes(StandardCharsets.UTF_8).length;
            assertEquals(n + "\n" + content + "\n" + n + "\n" + content + "\n" + i + "\n", r.out(),
                    "round " + i + ": the mount must show what put stored, at once");
        }
    }

    private void snapshotShowsAtOnce() throws Exception {
        fx.inMount("mkdir d; printf 1 > d/a").ok();
        for (int i = 1; i <= 2; i++) {
            String name = "s" + i;
            Sh.Result r = whileCached(List.of(".snapshots/" + name, ".snapshots/" + name + "/d/a", ".snapshots"), """
                    "$PACTFS" snapshot create --repo "$REPO" --name %s >/dev/null
                    stat -c %%F .snapshots/%s; cat .snapshots/%s/d/a; echo; ls .snapshots | grep -c '^s'
                    """.formatted(name, name, name));
            assertEquals("directory\n1\n" + i + "\n", r.out(), "snapshot " + name + " must show at once");
        }
    }

    private void snapshotRmShowsAtOnce() throws Exception {
        Sh.Result r = whileCached(List.of(".snapshots/s1", ".snapshots/s1/d/a"), """
                "$PACTFS" snapshot rm --repo "$REPO" s1 >/dev/null
                stat .snapshots/s1/d/a 2>/dev/null || echo gone
                stat .snapshots/s1 2>/dev/null || echo gone
                """);
        assertEquals("gone\ngone\n", r.out(), "a removed snapshot must be gone at once");
    }

    /** snapshot rename and tag (decision 0008) change /.snapshots over the socket too. */
    private void snapshotRenameShowsAtOnce() throws Exception {
        Sh.Result r = whileCached(List.of(".snapshots/s2", ".snapshots/s2/d/a", ".snapshots/s3", ".snapshots/s3/d/a"), """
                "$PACTFS" snapshot rename --repo "$REPO" s2 s3 >/dev/null
                "$PACTFS" snapshot tag --repo "$REPO" s3 --add kept >/dev/null
                stat .snapshots/s2/d/a 2>/dev/null || echo gone
                stat .snapshots/s2 2>/dev/null || echo gone
                cat .snapshots/s3/d/a; echo; ls .snapshots | grep "^s"
                """);
        assertEquals("gone\ngone\n1\ns3\n", r.out(), "a renamed snapshot must show under its new name at once");
    }

    private void restoreShowsAtOnce() throws Exception {
        fx.inMount("printf 'second, longer' > d/a").ok();
        Sh.Result r = whileCached(List.of("d/a", "back", "back/a"), """
                "$PACTFS" restore --repo "$REPO" s3:d back >/dev/null
                "$PACTFS" restore --repo "$REPO" --overwrite always s3:d/a d/ >/dev/null
                stat -c %s back/a d/a; cat back/a; echo; cat d/a; echo
                """);
        assertEquals("1\n1\n1\n1\n", r.out(), "what restore wrote must show at once");
    }
}
