package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * File names are bytes, as on ext4, whatever the daemon's locale: a daemon started by systemd or mount(8) at
 * boot usually runs with no LANG at all (here: LC_ALL=C). Compared with shell tools only (find -print0 | od),
 * since names that are not UTF-8 cannot be Java strings.
 */
@Tag("mount")
class FileNamesMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture().daemonEnv("LC_ALL", "C").daemonEnv("LANG", "");

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void namesAreBytesWhateverTheDaemonsLocale() {
        String script = """
                names=("ünïcödé name" "日本語" $'latin1-\\xe9t\\xe9' $'\\xff\\xfe-not-utf8' $'new\\nline' 'back\\\\slash' \\
                       ' lead and trail ' '-dash' '*?[glob]' "$(printf 'é%.0s' $(seq 1 126))x")
                for n in "${names[@]}"; do printf '%s' "$n" > "$n"; mkdir -- "d-$n"; ln -s -- "$n" "d-$n/link"; done
                mv -- "日本語" "日本語-renamed"
                find . -mindepth 1 -print0 | LC_ALL=C sort -z | od -An -c
                for n in "${names[@]}"; do [ "$n" = "日本語" ] && n="日本語-renamed"; cat -- "$n"; readlink -- "d-${n/-renamed/}/link"; done | od -An -c
                """;
        String plain = fx.inPlain(script).ok().out();
        String mount = fx.inMount(script).ok().out();
        assertEquals(plain, mount);
        fx.remount();
        String listing = "find . -mindepth 1 -print0 | LC_ALL=C sort -z | od -An -c";
        assertEquals(fx.inPlain(listing).ok().out(), fx.inMount(listing).ok().out(), "after remount");
    }
}
