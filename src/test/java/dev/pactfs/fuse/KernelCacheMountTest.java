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
 * keeps the old state cached in the kernel ({@link StatLoop}). Snapshot commands: KernelCacheSnapshotMountTest;
 * changes made through FUSE itself: KernelCacheFuseMountTest (one class took over 90 s on a loaded machine).
 * Short test names: the control socket lives under /tmp/pactfs-mt-NAME-*&#47;repo and must fit a unix socket path.
 */
@Tag("mount")
class KernelCacheMountTest {

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /** One mount for put and restore over the socket (a mount costs more than the cases). */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void socketChangesShowAtOnce() throws Exception {
        putShowsAtOnce();
        restoreShowsAtOnce();
    }

    private void putShowsAtOnce() throws Exception {
        fx.inMount("printf old > f").ok();
        for (int i = 1; i <= 3; i++) {
            // each round: a new size for f, and a name g<i> the kernel has cached as missing
            String content = "new content, round " + i + "x".repeat(i * 100);
            Files.writeString(fx.base().resolve("src"), content);
            Sh.Result r = StatLoop.whileCached(fx, List.of("f", "g" + i), """
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

    private void restoreShowsAtOnce() throws Exception {
        fx.inMount("mkdir d; printf 1 > d/a; mkdir .snapshots/s3; printf 'second, longer' > d/a").ok();
        Sh.Result r = StatLoop.whileCached(fx, List.of("d/a", "back", "back/a"), """
                "$PACTFS" restore --repo "$REPO" s3:d back >/dev/null
                "$PACTFS" restore --repo "$REPO" --overwrite always s3:d/a d/ >/dev/null
                stat -c %s back/a d/a; cat back/a; echo; cat d/a; echo
                """);
        assertEquals("1\n1\n1\n1\n", r.out(), "what restore wrote must show at once");
    }
}
