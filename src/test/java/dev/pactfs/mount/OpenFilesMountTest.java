package dev.pactfs.mount;

import static dev.pactfs.mount.TreeManifest.Field.MTIME;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** POSIX semantics of open files that tools rely on: rename over, and unlink of, a file someone has open. */
@Tag("mount")
class OpenFilesMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void renameOverAnOpenFile() {
        TestData.randomFile(fx.base().resolve("seed"), 6L << 20, 5);
        fx.both("""
                cp "$BASE/seed" target
                echo "the new content" > newer
                exec 3< target
                head -c 1000 <&3 > first-kb       # read a little before the rename ...
                mv newer target
                ls -A > listing-while-open
                cat <&3 > rest-after-rename       # ... and the rest after it: still the old file
                exec 3<&-
                cat target > target-now
                # a writer whose file is renamed over keeps writing to the old, now nameless, file
                echo "v1" > log
                exec 4>>log
                echo "v2" > log.new
                mv log.new log
                echo "lost to the orphan" >&4
                exec 4>&-
                cat first-kb rest-after-rename | sha256sum > old-sum
                ls -A > listing-after
                rm first-kb rest-after-rename
                """);
        assertEquals(fx.inPlain("sha256sum < \"$BASE/seed\"").ok().out(), fx.inMount("cat old-sum").ok().out(),
                "a reader opened before the rename must read the old file to its end");
        assertEquals("the new content\n", fx.inMount("cat target-now").ok().out());
        assertEquals("v2\n", fx.inMount("cat log").ok().out());
        fx.assertTreesSame(TreeManifest.except(MTIME));
    }

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void unlinkWhileOpen() {
        TestData.randomFile(fx.base().resolve("seed"), 6L << 20, 6);
        fx.both("""
                cp "$BASE/seed" f
                exec 3< f
                head -c 4096 <&3 > part1
                rm f
                ls -A > listing-while-open          # no trace of f (no .fuse_hidden* either)
                sleep 1
                cat <&3 > part2                     # the reader keeps reading the unlinked file
                exec 3<&-
                cat part1 part2 | sha256sum > read-sum
                rm part1 part2
                # a writer keeps writing into an unlinked file, and reads it back through the same descriptor
                exec 5<>g
                rm g
                head -c 3000000 "$BASE/seed" >&5
                exec 5>&-
                ls -A > listing-after
                """);
        assertEquals(fx.inPlain("sha256sum < \"$BASE/seed\"").ok().out(), fx.inMount("cat read-sum").ok().out(),
                "a reader must read an unlinked file to its end");
        assertEquals(fx.inPlain("cat listing-while-open").ok().out(), fx.inMount("cat listing-while-open").ok().out(),
                "ls while the unlinked file is open");
        fx.assertTreesSame(TreeManifest.except(MTIME));
        fx.remount();
        fx.assertTreesSame(TreeManifest.except(MTIME));
    }
}
