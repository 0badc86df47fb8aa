package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GNU tar, unmodified, writing into and reading from a real mount; compared with a plain directory. */
@Tag("mount")
class TarMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    /**
     * A real tree that every machine README describes has (Debian 12 with a Java 17 JDK and Maven; a fresh one has
     * no Python): /usr/share/doc, the JDK's jmods, Maven and the jars it links to (≈ 100–200 MB, ≈ 1 500–9 000 entries,
     * with symlinks).
     */
    static final String TREE = "usr/share/doc $(cd / && ls -d usr/lib/jvm/java-17-openjdk-*/jmods) usr/share/java usr/share/maven";

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void tarCreateAndExtractOfARealTree() {
        String script = "tar --sort=name -cf \"$D/tree.tar\" -C / " + TREE + "\n"
                + "mkdir \"$D/x\"\n"
                + "tar -xf \"$D/tree.tar\" -C \"$D/x\"\n"
                // tar -d re-reads everything it extracted and compares it with the archive
                + "tar -df \"$D/tree.tar\" -C \"$D/x\"\n"
                + "cd \"$D/x\" && find . -type f -print0 | sort -z | xargs -0 sha256sum > \"$D/sums\"\n"
                // x, x/usr, x/usr/lib, x/usr/lib/jvm/<jdk> and x/usr/share are not in the archive: tar makes them as it
                // goes and leaves them the time of their last change, which differs between two runs a few seconds apart.
                + "touch -d '2000-01-01 00:00:00' \"$D/x\" \"$D/x/usr\" \"$D/x/usr/lib\" \"$D/x/usr/lib/jvm\" \"$D\"/x/usr/lib/jvm/*"
                + " \"$D/x/usr/share\"\n";
        fx.both(script);
        TreeManifest plain = TreeManifest.of(fx.plain());
        TreeManifest mount = TreeManifest.of(fx.mnt());
        // The archive and the sha256 list: same bytes; written at different times, so no mtime.
        TreeManifest.assertSame(plain.subtree("tree.tar"), mount.subtree("tree.tar"), TreeManifest.except(TreeManifest.Field.MTIME));
        TreeManifest.assertSame(plain.subtree("sums"), mount.subtree("sums"), TreeManifest.except(TreeManifest.Field.MTIME));
        // The extracted tree: every stat field tar restores, and the contents.
        TreeManifest.assertSame(plain.subtree("x"), mount.subtree("x"));
        // And it is the original tree; no mtimes here: the GNU tar format keeps whole seconds, so directories that
        // dpkg made with nanosecond times come back rounded (on a plain directory too, as the comparison above shows).
        TreeManifest.assertSame(TreeManifest.of(Path.of("/usr/share/doc")).without("."),
                TreeManifest.of(fx.mnt().resolve("x/usr/share/doc")).without("."),
                TreeManifest.except(TreeManifest.Field.MTIME));
    }

    /**
     * tar --listed-incremental: level 0, a remount (inode numbers must be stable, ctimes kept), changes, level 1.
     * The level-1 archive holds exactly what changed, and restoring level 0 + level 1 gives the changed tree.
     */
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void tarListedIncrementalLevel0And1() {
        String setup = "mkdir src && for d in $(ls /usr/share/doc | head -120); do cp -a \"/usr/share/doc/$d\" src/; done\n"
                + "head -c 3000000 /dev/zero | tr '\\0' 'a' > src/big-a\n"
                + "echo keep > src/unchanged\n"
                + "touch -d '2003-03-03 03:03:03' src/big-a src/unchanged\n";
        // Same source in both places (cp -a of one original keeps the same mtimes).
        fx.inPlain(setup).ok();
        fx.inMount("cp -a \"$BASE/plain/src\" \"$D/src\"").ok();
        String level0 = "tar --sort=name --no-check-device --listed-incremental=\"$D/level0.snar\" -cf \"$D/level0.tar\" -C \"$D\" src\n"
                + "sleep 1.1\n";
        fx.both(level0);
        fx.remount();
        String change = "echo appended >> src/big-a\n"
                + "rm -r \"src/$(ls src | head -1)\"\n"
                + "echo new > src/new-file\n"
                + "mv src/unchanged src/renamed\n"
                + "mkdir src/newdir && echo inside > src/newdir/f\n"
                + "chmod 600 \"src/$(ls src | sed -n 5p)\" 2>/dev/null || true\n"
                + "cp level0.snar level1.snar\n"
                + "tar --sort=name --no-check-device --listed-incremental=\"$D/level1.snar\" -cf \"$D/level1.tar\" -C \"$D\" src\n"
                + "tar -tf level1.tar > level1.list\n"
                + "mkdir restore\n"
                + "tar --listed-incremental=/dev/null -xf level0.tar -C restore\n"
                + "tar --listed-incremental=/dev/null -xf level1.tar -C restore\n";
        fx.both(change);
        String plainList = fx.inPlain("cat level1.list").ok().out();
        String mountList = fx.inMount("cat level1.list").ok().out();
        assertEquals(plainList, mountList, "level 1 must archive the same files as on a plain directory");
        TreeManifest plain = TreeManifest.of(fx.plain());
        TreeManifest mount = TreeManifest.of(fx.mnt());
        var noMtime = TreeManifest.except(TreeManifest.Field.MTIME);
        // The archives themselves cannot be byte-identical: GNU incremental headers carry each member's atime
        // and ctime, which differ between any two copies of a tree (two ext4 copies made a second apart differ
        // too). Their verbose listings (names, modes, owners, sizes, link targets) must be identical.
        // Dates left out: the changes touch src/ and some directories at a different moment in each tree.
        String listing = "for a in level0.tar level1.tar; do tar --numeric-owner -tvf $a | awk '{$4=$5=\"\"; print}'; done";
        assertEquals(fx.inPlain(listing).ok().out(), fx.inMount(listing).ok().out(),
                "level 0 and level 1 archives list the same members with the same metadata");
        // The restored tree equals the changed source (directory mtimes: changed by the edits, not restored).
        TreeManifest.assertSame(mount.subtree("src"), mount.subtree("restore/src"), noMtime);
        TreeManifest.assertSame(plain.subtree("restore/src"), mount.subtree("restore/src"), noMtime);
    }
}
