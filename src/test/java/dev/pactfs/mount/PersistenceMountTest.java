package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What was written survives unmount, SIGTERM, fusermount -u and kill -9 of the daemon. */
@Tag("mount")
class PersistenceMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /** Every field, inode numbers included (they must be stable across remounts). */
    static final EnumSet<TreeManifest.Field> ALL = EnumSet.allOf(TreeManifest.Field.class);

    private void populate() {
        fx.in(fx.base(), "T=\"$BASE/src\"\n" + TestData.RICH_TREE).ok();
        fx.both("""
                cp -a "$BASE/src" tree
                mkdir -p ops/sub && echo moved > ops/tmp && mv ops/tmp ops/sub/moved
                ln -s sub/moved ops/link && ln ops/sub/moved ops/hard
                mknod ops/fifo p
                head -c 3000000 /dev/zero > ops/zeros
                chmod 0751 ops/sub && chown 77:88 ops/sub
                setfattr -n user.k -v v ops/sub
                touch -h -d '2005-05-05 05:05:05.555555555' ops/link
                touch -d '2006-06-06 06:06:06.666666666' ops/sub/moved ops/zeros ops
                """);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void unmountAndMountGiveTheIdenticalTree() {
        populate();
        TreeManifest before = TreeManifest.of(fx.mnt());
        TreeManifest.assertSame(TreeManifest.of(fx.plain()).without("."), before.without("."),
                TreeManifest.except(TreeManifest.Field.MTIME));
        fx.remount();
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()), ALL);
        fx.remount();
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()), ALL);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void closedAndFsyncedFilesSurviveKill9() {
        populate();
        TestData.randomFile(fx.base().resolve("seed"), 20L << 20, 9);
        fx.inMount("""
                dd if="$BASE/seed" of=synced bs=1M conv=fsync status=none
                cp "$BASE/seed" closed
                head -c 1234567 "$BASE/seed" > small-closed
                echo "overwritten" > small-closed
                printf 'fsync via sync(1)' > sync1 && sync sync1
                """).ok();
        fx.inMount("mkdir inflight").ok();
        // Everything but the directory where a writer is still busy when the daemon dies.
        TreeManifest before = TreeManifest.of(fx.mnt()).without("inflight");
        // Something still writing when the daemon dies must not damage anything else.
        fx.inMount("nohup dd if=/dev/urandom of=inflight/file bs=1M count=100000 >/dev/null 2>&1 &\n"
                + "sleep 2").ok();
        fx.kill9();
        assertFalse(MountFixture.isMounted(fx.mnt()), "the dead mount must be detached");
        fx.mount("--warm-up=10s"); // the default: the rehearsed backup before mounting must leave nothing behind
        assertFalse(java.nio.file.Files.exists(fx.repo().resolve("rehearsal.tmp")));
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()).without("inflight"), ALL);
        // and the file system works normally after the crash
        fx.inMount("echo after > inflight/after-crash && cat inflight/after-crash && rm -f inflight/file").ok();
        fx.remount();
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()).without("inflight"), ALL);
        assertEquals("after-crash\n", fx.inMount("ls inflight").ok().out());
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void sigtermFlushesAndUnmounts() {
        populate();
        TreeManifest before = TreeManifest.of(fx.mnt());
        long pid = fx.daemonPid().orElseThrow();
        Sh.run(null, Map.of(), Duration.ofSeconds(10), List.of("kill", "-TERM", Long.toString(pid))).ok();
        assertTrue(ProcessHandle.of(pid).map(h -> {
            try {
                h.onExit().get(60, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }).orElse(true), "daemon must exit within 60 s of SIGTERM");
        assertFalse(MountFixture.isMounted(fx.mnt()), "SIGTERM must unmount");
        fx.mount();
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()), ALL);
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fusermountUDoesNotLoseClosedFiles() {
        populate();
        TreeManifest before = TreeManifest.of(fx.mnt());
        long pid = fx.daemonPid().orElseThrow();
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("fusermount", "-u", fx.mnt().toString())).ok();
        assertFalse(MountFixture.isMounted(fx.mnt()));
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().orTimeout(60, TimeUnit.SECONDS).join());
        fx.mount();
        TreeManifest.assertSame(before, TreeManifest.of(fx.mnt()), ALL);
    }
}
