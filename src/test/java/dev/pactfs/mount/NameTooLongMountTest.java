package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ENAMETOOLONG, as on ext4, for every call that takes a name of 256 bytes. */
@Tag("mount")
class NameTooLongMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void nameOf256BytesIsENAMETOOLONG() {
        String script = """
                n255=$(printf 'a%.0s' $(seq 1 255)); n256=${n255}b
                u=$(printf 'é%.0s' $(seq 1 128))        # 256 bytes in UTF-8
                echo ok > "$n255" && echo "255: ok"
                for cmd in "touch $n256" "mkdir $n256" "ln -s x $n256" "ln $n255 $n256" "mv $n255 $n256" \\
                           "mknod $n256 p" "touch $u" "cat $n256"; do
                    if $cmd 2>err; then echo "$cmd: succeeded"; else echo "${cmd%% *}: $(sed 's/.*: //' err)"; fi
                done
                ls
                """;
        String plain = fx.inPlain(script).ok().out();
        String mount = fx.inMount(script).ok().out();
        assertTrue(plain.contains("touch: File name too long"), plain);
        assertEquals(plain, mount);
        fx.assertTreesSame(TreeManifest.except(TreeManifest.Field.MTIME));
    }
}

