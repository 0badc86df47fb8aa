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
 * As KernelCacheMountTest, for changes made through FUSE, which the kernel keeps true itself but which libfuse and
 * pactfs must not undo: hard links (libfuse gives each name its own kernel inode), rename and unlink, and rmdir of
 * {@code .snapshots/NAME}, which removes the snapshot (decision 0008) while a loop keeps its names cached.
 */
@Tag("mount")
class KernelCacheFuseMountTest {

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /** The same script on ext4 and through the mount gives the same output, all within the cache timeout. */
    private void sameAsExt4(String script) {
        String plain = fx.inPlain(script).ok().out();
        String mount = fx.inMount(script).ok().out();
        assertEquals(plain, mount, "through the mount as on ext4");
    }

    /** One mount for the cases that stay inside FUSE. */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fuseChangesShowAtOnce() {
        hardLinksSeeEachOther();
        renameAndUnlinkShowAtOnce();
    }

    /**
     * rmdir of a snapshot is a FUSE request, so not run through the guard (its barrier would wait for the lock the
     * request holds): the kernel drops the removed directory's dentry and the subtree below it itself.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void snapshotRmdirShowsAtOnce() throws Exception {
        fx.inMount("mkdir d; printf 1 > d/a; mkdir .snapshots/k1 .snapshots/k2").ok();
        Sh.Result r = StatLoop.whileCached(fx, List.of(".snapshots/k1", ".snapshots/k1/d/a", ".snapshots/k2/d/a"), """
                cat .snapshots/k1/d/a; echo
                rmdir .snapshots/k1
                stat .snapshots/k1/d/a 2>/dev/null || echo gone
                stat .snapshots/k1 2>/dev/null || echo gone
                ls .snapshots | grep '^k'; cat .snapshots/k2/d/a; echo
                "$PACTFS" snapshot list --repo "$REPO" --json | grep -o '"name": "k[0-9]"'
                """);
        assertEquals("1\ngone\ngone\nk2\n1\n\"name\": \"k2\"\n", r.out(),
                "a snapshot removed by rmdir must be gone at once, through the mount and for the daemon");
    }

    private void hardLinksSeeEachOther() {
        for (int i = 0; i < 3; i++) {
            sameAsExt4("""
                    rm -rf h; mkdir h; cd h
                    printf a > x; stat -c '%h %s' x
                    ln x y; stat -c '%h %s' x y
                    printf bbbb >> y; stat -c '%h %s' x y
                    : > x; stat -c '%h %s' x y
                    printf cc > x; ln y z; stat -c '%h %s' x y z
                    chmod 600 z; stat -c '%a' x y z
                    rm y; stat -c '%h %s' x z
                    rm x; stat -c '%h %s' z
                    exec 3<z; rm z; stat -L -c '%h %s' /proc/self/fd/3; exec 3<&-
                    """);
        }
    }

    private void renameAndUnlinkShowAtOnce() {
        sameAsExt4("""
                rm -rf r; mkdir -p r/d r/e; cd r
                printf 1 > d/a; stat -c %s d/a
                mv d/a e/b; stat d/a 2>/dev/null || echo no-a; stat -c %s e/b
                (cd e && stat -c %s b && mv b ../d/c && stat b 2>/dev/null || echo no-b)
                stat -c %s d/c; ls d e
                rm d/c; stat d/c 2>/dev/null || echo no-c
                printf 22 > d/c; stat -c %s d/c
                mv d e/f; stat -c %s e/f/c; ls e; stat d 2>/dev/null || echo no-d
                """);
    }

}
