package dev.pactfs.mount;

import static dev.pactfs.mount.TreeManifest.Field.MTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write patterns of real tools (cp, dd, truncate, shell appends, concurrent writers) through a real mount,
 * each compared with the same commands on a plain directory: bytes (sha256) and stat fields. Where the
 * commands themselves stamp the current time, mtime is left out of the comparison.
 */
@Tag("mount")
class WritePatternsMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void cpArchive() {
        fx.in(fx.base(), "T=\"$BASE/src\"\n" + TestData.RICH_TREE).ok();
        fx.both("cp -a \"$BASE/src\" \"$D/copy\"");
        fx.assertTreesSame();
        TreeManifest.assertSame(TreeManifest.of(fx.base().resolve("src")).without("."),
                TreeManifest.of(fx.mnt().resolve("copy")).without("."));
        // and copying back out of the mount gives the same tree again
        fx.in(fx.base(), "cp -a \"$BASE/mnt/copy\" \"$BASE/back\"").ok();
        TreeManifest.assertSame(TreeManifest.of(fx.base().resolve("src")), TreeManifest.of(fx.base().resolve("back")));
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void ddOneByteUnalignedAndNotruncWrites() {
        TestData.randomFile(fx.base().resolve("seed"), 9L << 20, 7);
        fx.both("""
                cp "$BASE/seed" f
                # 1-byte writes at chunk-size boundaries, the start and the end
                for off in 0 1 262143 262144 262145 1048575 1048576 4194303 4194304 4194305 9437183; do
                    printf '\\x5a' | dd of=f bs=1 seek=$off conv=notrunc status=none
                done
                # unaligned multi-byte writes crossing page and chunk boundaries
                dd if="$BASE/seed" of=f bs=4093 skip=3 seek=1001 count=7 conv=notrunc status=none
                dd if="$BASE/seed" of=f bs=1 skip=12345 seek=4194000 count=999 conv=notrunc status=none
                dd if="$BASE/seed" of=f bs=65537 skip=1 seek=60 count=3 conv=notrunc status=none
                # past the end: extends with a hole
                printf 'tail' | dd of=f bs=1 seek=10000000 conv=notrunc status=none
                # without notrunc: dd truncates at the end of what it wrote
                cp "$BASE/seed" g
                dd if=/dev/zero of=g bs=1000 seek=3 count=5 status=none
                # byte-by-byte file
                head -c 5000 "$BASE/seed" | dd of=h bs=1 status=none
                # an odd block size, fsync at the end
                dd if="$BASE/seed" of=k bs=12345 conv=fsync status=none
                """);
        fx.assertTreesSame(TreeManifest.except(MTIME));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void truncateUpAndDown() {
        TestData.randomFile(fx.base().resolve("seed"), 5L << 20, 11);
        String[] steps = {
            "cp \"$BASE/seed\" f",
            "truncate -s 3M f",
            "truncate -s 10M f",          // grows with a hole: zeros
            "truncate -s 4194305 f",
            "truncate -s 4194303 f",
            "printf abc >> f",
            "truncate -s 262145 f",
            "truncate -s 0 f",
            "truncate -s 1 f",
            "printf q | dd of=f bs=1 seek=7000000 conv=notrunc status=none",
            "truncate -s -1000 f",        // relative
            "truncate -s +12345 f",
        };
        for (String step : steps) {
            fx.both(step);
            fx.assertTreesSame(TreeManifest.except(MTIME));
            // a fresh reader sees the size and content right away
            assertEquals(fx.inPlain("stat -c %s f; sha256sum < f").ok().out(),
                    fx.inMount("stat -c %s f; sha256sum < f").ok().out(), "after: " + step);
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoWritersAtOnce() {
        TestData.randomFile(fx.base().resolve("a"), 48L << 20, 1);
        TestData.randomFile(fx.base().resolve("b"), 48L << 20, 2);
        fx.both("""
                # two files written concurrently
                dd if="$BASE/a" of=fa bs=1M status=none & p1=$!
                dd if="$BASE/b" of=fb bs=128k status=none & p2=$!
                wait $p1; wait $p2
                # two writers into disjoint halves of one file, at the same time, plus one appender elsewhere
                truncate -s 48M same
                dd if="$BASE/a" of=same bs=1M count=24 conv=notrunc status=none & p1=$!
                dd if="$BASE/b" of=same bs=1M skip=24 seek=24 count=24 conv=notrunc status=none & p2=$!
                (for i in $(seq 1 500); do echo "line $i" >> log; done) & p3=$!
                wait $p1; wait $p2; wait $p3
                """);
        fx.assertTreesSame(TreeManifest.except(MTIME));
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void fileGrownByThousandsOfSmallAppends() {
        fx.both("""
                for i in $(seq 1 4000); do echo "append $i: the quick brown fox jumps over the lazy dog" >> grown; done
                # and with O_APPEND on one open descriptor
                exec 3>>grown2
                for i in $(seq 1 4000); do printf '%06d\\n' $i >&3; done
                exec 3>&-
                """);
        fx.assertTreesSame(TreeManifest.except(MTIME));
        assertEquals("4000", fx.inMount("wc -l < grown").ok().out().trim());
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void filesOfZeroOneAndChunkBoundarySizes() {
        TestData.randomFile(fx.base().resolve("seed"), 9L << 20, 3);
        long[] sizes = {0, 1, 2, 4095, 4096, 4097, 131071, 131072, 131073, 262143, 262144, 262145,
            1048575, 1048576, 1048577, 4194303, 4194304, 4194305, 8388607, 8388608, 8388609};
        StringBuilder s = new StringBuilder();
        for (long n : sizes) {
            s.append("head -c ").append(n).append(" \"$BASE/seed\" > rand-").append(n).append('\n');
            s.append("head -c ").append(n).append(" /dev/zero > zero-").append(n).append('\n');
            s.append("touch -d '2011-11-11 11:11:11.111111111' rand-").append(n).append(" zero-").append(n).append('\n');
        }
        fx.both(s.toString());
        fx.assertTreesSame();
        fx.remount();
        fx.assertTreesSame();
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void sparse4GiBFile() {
        fx.both("""
                truncate -s 4G sparse
                printf 'hello in the middle' | dd of=sparse bs=1 seek=2147483648 conv=notrunc status=none
                printf 'near the start' | dd of=sparse bs=1 seek=4095 conv=notrunc status=none
                printf 'at the end' | dd of=sparse bs=1 seek=4294967286 conv=notrunc status=none
                touch -d '2012-12-12 12:12:12.121212121' sparse
                """);
        fx.assertTreesSame();
        assertEquals(fx.inPlain("dd if=sparse bs=1 skip=2147483640 count=40 status=none | od -c").ok().out(),
                fx.inMount("dd if=sparse bs=1 skip=2147483640 count=40 status=none | od -c").ok().out());
        assertEquals("4294967296", fx.inMount("stat -c %s sparse").ok().out().trim());
    }
}
