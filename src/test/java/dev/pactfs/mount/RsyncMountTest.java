package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** rsync, unmodified, into a real mount; compared with the same rsync into a plain directory. */
@Tag("mount")
class RsyncMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    static final String RSYNC = "rsync -aHAX --numeric-ids --itemize-changes --stats";

    static long stat(String stats, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + ": ([\\d,]+)").matcher(stats);
        assertTrue(m.find(), "no '" + label + "' in rsync --stats output:\n" + stats);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    /** Lines of --itemize-changes output (they start with an update type and a file type). */
    static String itemized(String out) {
        StringBuilder b = new StringBuilder();
        for (String line : out.split("\n")) {
            if (line.matches("^[<>ch.*][fdLDS][^ ]* .*") || line.startsWith("*deleting")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void rsyncAHAXTwiceThenAfterChanges() {
        fx.in(fx.base(), "T=\"$BASE/src\"\n" + TestData.RICH_TREE).ok();
        String run = RSYNC + " \"$BASE/src/\" \"$D/dst/\"\n";

        // 1: first copy.
        String first = fx.inMount(run).ok().out();
        fx.inPlain(run).ok();
        TreeManifest.assertSame(TreeManifest.of(fx.base().resolve("src")), TreeManifest.of(fx.mnt().resolve("dst")));
        fx.assertTreesSame();

        // 2: again: nothing may be transferred or touched.
        String second = fx.inMount(run).ok().out();
        assertEquals("", itemized(second), "second rsync -aHAX must change nothing; first run was:\n" + itemized(first));
        assertEquals(0, stat(second, "Number of regular files transferred"), second);
        assertEquals(0, stat(second, "Total transferred file size"), second);
        TreeManifest.assertSame(TreeManifest.of(fx.base().resolve("src")), TreeManifest.of(fx.mnt().resolve("dst")));

        // 3: changes of every kind, then rsync with --delete into both.
        fx.in(fx.base(), """
                cd "$BASE/src"
                echo more >> random.bin
                printf y > one && touch -d '1999-12-31 23:59:58.5' one
                touch -d '2010-10-10 10:10:10.101010101' mode600
                chmod 640 owned; chown 999:999 owned
                setfattr -n user.comment -v 'changed xattr' owned
                setfattr -x user.bin random.bin
                setfacl -m u:4242:r-- mode600
                rm -r "$(ls -d */ | head -1)"
                ln owned owned-hardlink
                ln -sfn /etc/passwd abs-link
                mkdir -p newdir/sub && echo new > newdir/sub/file
                mv 'ünïcödé name with spaces' renamed
                head -c 2000000 /dev/urandom > newdir/rand
                # Fixed times: rsync skips setting a time that matches to the second, so an entry made in the
                # same second rsync recreates it would keep its creation nanoseconds, on ext4 too.
                touch -h -d '2011-11-11 11:11:11.5' abs-link owned-hardlink
                touch -d '2011-11-11 11:11:12.5' newdir/sub/file newdir/sub newdir
                touch -d '2011-11-11 11:11:13.5' .
                """).ok();
        String run3 = RSYNC + " --delete \"$BASE/src/\" \"$D/dst/\"\n";
        String mount3 = fx.inMount(run3).ok().out();
        String plain3 = fx.inPlain(run3).ok().out();
        assertEquals(itemized(plain3), itemized(mount3), "rsync must see the same changes as on a plain directory");
        TreeManifest.assertSame(TreeManifest.of(fx.base().resolve("src")), TreeManifest.of(fx.mnt().resolve("dst")));
        fx.assertTreesSame();

        // 4: and once more: nothing.
        String fourth = fx.inMount(run3).ok().out();
        assertEquals("", itemized(fourth), "rsync after the changes must be idempotent");
    }

    /** rsync --inplace --no-whole-file over a big file: rewrites only changed blocks in place. */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void rsyncInplaceOverABigFile() {
        TestData.randomFile(fx.base().resolve("big"), 64L << 20, 42);
        String run = "rsync -a --inplace --no-whole-file --stats \"$BASE/big\" \"$D/big\"\n";
        fx.inMount(run).ok();
        fx.inPlain(run).ok();
        fx.assertTreesSame();
        fx.in(fx.base(), """
                printf 'XXXXXXXX' | dd of=big bs=1 seek=0 conv=notrunc status=none
                printf 'YYYYYYYYYYYYYYYYYYY' | dd of=big bs=1 seek=4194301 conv=notrunc status=none
                head -c 100000 /dev/urandom | dd of=big bs=1000 seek=20000 conv=notrunc status=none
                printf 'Z' | dd of=big bs=1 seek=50331647 conv=notrunc status=none
                head -c 777777 /dev/urandom >> big
                touch -d '2020-02-02 20:20:20.202020202' big
                """).ok();
        String mountStats = fx.inMount(run).ok().out();
        fx.inPlain(run).ok();
        assertTrue(stat(mountStats, "Matched data") > 32L << 20,
                "rsync --inplace should reuse most of the old file through the mount:\n" + mountStats);
        fx.assertTreesSame();
        TreeManifest.assertSame(TreeManifest.of(fx.base()).subtree("big"), TreeManifest.of(fx.mnt()).subtree("big"));
        // Shrink it: --inplace truncates.
        fx.in(fx.base(), "truncate -s 10000000 big && touch -d '2021-01-01' big").ok();
        fx.inMount(run).ok();
        fx.inPlain(run).ok();
        fx.assertTreesSame();
    }
}
