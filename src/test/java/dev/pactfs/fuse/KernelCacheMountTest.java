package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The kernel caches names, failed lookups and attributes for FuseMount.KERNEL_CACHE_SECONDS; nothing seen through
 * the mount may be stale for it. Through the launcher and a real mount: hard links (libfuse gives each name its own
 * kernel inode), and changes the daemon makes without FUSE (commands over the control socket, snapshots), each
 * checked right after the change while a loop in the mount keeps the old state cached in the kernel (it stats the
 * names every 20 ms, so the kernel holds an answer younger than the timeout at any time). Short test names: the
 * control socket lives under /tmp/pactfs-mt-NAME-*&#47;repo and must fit a unix socket path.
 */
@Tag("mount")
class KernelCacheMountTest {

    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /** Runs {@code script} in the mount while a loop there stats {@code names} (keeping them cached). */
    private Sh.Result whileCached(List<String> names, String script) throws Exception {
        Path stop = fx.base().resolve("stop-stat-loop");
        Files.deleteIfExists(stop);
        StringBuilder stats = new StringBuilder();
        for (String n : names) {
            stats.append(" '").append(n).append('\'');
        }
        Process loop = new ProcessBuilder("bash", "-c", "while [ ! -e '" + stop + "' ]; do stat" + stats
                + " >/dev/null 2>&1 || true; sleep 0.02; done").directory(fx.mnt().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(300); // the loop has looked every name up
            java.util.Map<String, String> env = MountFixture.env();
            env.put("PACTFS", MountFixture.launcher().toString());
            env.put("REPO", fx.repo().toString());
            env.put("BASE", fx.base().toString());
            return Sh.bash(fx.mnt(), env, MountFixture.CMD_TIMEOUT, script).ok();
        } finally {
            Files.writeString(stop, "");
            if (!loop.waitFor(30, TimeUnit.SECONDS)) {
                loop.destroyForcibly();
            }
        }
    }

    /** One mount for all the control-socket cases (a mount costs more than the cases). */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void socketChangesShowAtOnce() throws Exception {
        putShowsAtOnce();
        snapshotShowsAtOnce();
        snapshotRmShowsAtOnce();
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

    private void restoreShowsAtOnce() throws Exception {
        fx.inMount("printf 'second, longer' > d/a").ok();
        Sh.Result r = whileCached(List.of("d/a", "back", "back/a"), """
                "$PACTFS" restore --repo "$REPO" s2:d back >/dev/null
                "$PACTFS" restore --repo "$REPO" --overwrite always s2:d/a d/ >/dev/null
                stat -c %s back/a d/a; cat back/a; echo; cat d/a; echo
                """);
        assertEquals("1\n1\n1\n1\n", r.out(), "what restore wrote must show at once");
    }

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
