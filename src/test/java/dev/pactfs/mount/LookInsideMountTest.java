package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * ls, find, dump, export-tar and restore --include/--exclude/--verify through the launcher, first with the repo
 * mounted (the daemon runs them; binary stdout comes back in frames), then unmounted (opened with a machine key
 * file: no passphrase derivation per call). export-tar's archive, unpacked by GNU tar, equals the source tree.
 */
@Tag("mount")
class LookInsideMountTest {

    private static final Duration CMD = Duration.ofMinutes(2);

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    private Path key;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void lookInsideMountedAndUnmounted() throws Exception {
        key = fx.base().resolve("acme.key");
        fx.pactfs(MountFixture.MOUNT_TIMEOUT, "init", "--repo", fx.repo().toString(), "--key-file", key.toString()).ok();
        fx.mount("--key-file", key.toString());
        fx.inMount("""
                mkdir -p src/sub src/private odd
                printf 'hello\\n' > src/a.txt
                head -c 3000000 /dev/urandom > src/sub/big
                ln src/a.txt src/sub/hard
                ln -s ../a.txt src/sub/sym
                ln -s /nowhere/at/all src/dangling
                setfattr -n user.note -v 'hi there' src/a.txt
                setfattr -n user.dir -v 'on a directory' src/sub
                chmod 640 src/a.txt
                printf 'x' > src/setuid && chmod 4750 src/setuid
                printf 'owned' > src/owned && chown 1234:5678 src/owned
                printf 'secret' > src/private/id.key
                printf 'conf' > src/private/app.conf
                chmod 700 src/private
                mkfifo src/ff
                touch "src/$(printf 'L%.0s' $(seq 1 200))"
                touch "odd/$(printf 'bad\\xff')"
                touch -d '2020-01-02 03:04:05.123456789' src/a.txt
                touch -h -d '2019-05-06 07:08:09' src/sub/sym
                cp src/sub/big ../big.orig
                """).ok();
        TreeManifest source = TreeManifest.of(fx.mnt().resolve("src"));
        fx.pactfs(CMD, "snapshot", "create", "--repo", fx.repo().toString(), "--name", "s1").ok();

        lookInside("mounted", source);
        fx.unmount();
        lookInside("unmounted", source);
    }

    /** Every command of the section, the same way mounted or not; {@code how} names the pass in messages. */
    private void lookInside(String how, TreeManifest source) throws Exception {
        Path out = Files.createDirectories(fx.base().resolve(how));

        // ls: the entries of one directory, then everything below it with modes and targets
        assertEquals(List.of("/src/sub/big", "/src/sub/hard", "/src/sub/sym"),
                pactfs("ls", "s1:/src/sub").ok().out().lines().toList(), how);
        List<String> long_ = pactfs("ls", "s1:src", "--long", "--recursive").ok().out().lines().toList();
        assertTrue(long_.contains("-rw-r-----      0      0            6 " + localTime("2020-01-02T03:04:05Z")
                + " /src/a.txt"), how + ": " + long_);
        assertTrue(long_.stream().anyMatch(l -> l.startsWith("lrwxrwxrwx") && l.endsWith("/src/sub/sym -> ../a.txt")),
                how + ": " + long_);
        assertTrue(long_.stream().anyMatch(l -> l.startsWith("-rwsr-x---") && l.endsWith("/src/setuid")), how);
        assertTrue(long_.stream().anyMatch(l -> l.startsWith("-rw-r--r--   1234   5678") && l.endsWith("/src/owned")),
                how + ": " + long_);
        assertEquals("/odd/bad\\xff\n", pactfs("ls", "s1:/odd").ok().out(), how);

        // find: which snapshots hold a path, with size and mtime
        List<String> found = pactfs("find", "sub/*", "--snapshot", "s1").ok().out().lines().toList();
        assertEquals(3, found.size(), how + ": " + found);
        assertTrue(found.stream().anyMatch(l -> l.startsWith("s1  -rw-r--r--      0      0      3000000 ")
                && l.endsWith(" /src/sub/big")), how + ": " + found);
        assertEquals(List.of(), pactfs("find", "/sub/*").ok().out().lines().toList(), how + ": anchored");

        // dump: a file byte-exact to stdout, a directory as tar
        Sh.Result dumped = fx.in(out, "set -o pipefail; " + fx.launcher() + " dump --repo " + fx.repo()
                + keyArg() + " s1:/src/sub/big > big && cmp big " + fx.base().resolve("big.orig") + " && "
                + fx.launcher() + " dump --repo " + fx.repo() + keyArg() + " s1:/src/sub | tar -tf - | sort");
        assertEquals(0, dumped.exit(), dumped.toString());
        assertEquals("src/sub/\nsrc/sub/big\nsrc/sub/hard\nsrc/sub/sym\n", dumped.out(), how);

        // export-tar: to a file, unpacked by GNU tar, equals the source tree (mtimes to the library's 100 ns)
        Path tarFile = out.resolve("s1.tar");
        pactfs("export-tar", "s1", tarFile.toString()).ok();
        Path x = Files.createDirectories(out.resolve("x"));
        Sh.bash(x, Map.of(), CMD, "tar -x --xattrs --xattrs-include='*' --numeric-owner -f " + tarFile).ok();
        TreeManifest unpacked = TreeManifest.of(x.resolve("src"));
        TreeManifest.assertSame(source, unpacked, TreeManifest.except(TreeManifest.Field.INO, TreeManifest.Field.MTIME));
        assertEquals(mtimes(source, 100), mtimes(unpacked, 1), how + ": mtimes (to 100 ns)");
        assertEquals("6", String.valueOf(Files.size(x.resolve("src/a.txt"))));
        assertEquals(Files.getAttribute(x.resolve("src/a.txt"), "unix:ino"), Files.getAttribute(x.resolve("src/sub/hard"),
                "unix:ino"), how + ": hard link kept");
        Sh.Result odd = Sh.bash(out, Map.of(), CMD, fx.launcher() + " export-tar --repo " + fx.repo() + keyArg()
                + " s1:/odd - | tar -t --quoting-style=literal -f - | od -An -tx1 | tr -d ' \\n'").ok();
        assertEquals("6f64642f0a6f64642f626164ff0a", odd.out(), how + ": a name that is not UTF-8 keeps its bytes");

        // restore --include/--exclude/--verify
        Path restored = out.resolve("r");
        Sh.Result r = pactfs("restore", "s1:/src", restored.toString(), "--include", "*.conf", "--include", "sub",
                "--exclude", "big", "--verify").ok();
        assertTrue(r.out().contains("verified 2 files"), how + ": " + r);
        List<String> got = new ArrayList<>();
        try (var s = Files.walk(restored)) {
            s.forEach(p -> got.add(restored.relativize(p).toString()));
        }
        got.sort(null);
        assertEquals(List.of("", "private", "private/app.conf", "sub", "sub/hard", "sub/sym"), got, how);

        // one clear line, exit 1, for what is not there; no OUT through a symlink nor half-written
        Sh.Result noSnap = pactfs("ls", "s9:/src").failed();
        assertEquals(List.of("pactfs: no snapshot named 's9'"), MountFixture.withoutProgress(noSnap.err()), how);
        Sh.Result noPath = pactfs("dump", "s1:/src/none").failed();
        assertEquals(List.of("pactfs: no path '/src/none' in snapshot s1"), MountFixture.withoutProgress(noPath.err()), how);
        Path victim = Files.writeString(out.resolve("victim"), "keep me");
        Path link = Files.createSymbolicLink(out.resolve("link.tar"), victim);
        Sh.Result viaLink = pactfs("export-tar", "s1", link.toString()).failed();
        assertTrue(viaLink.err().contains("is a symlink"), viaLink.toString());
        assertEquals("keep me", Files.readString(victim), how);
        Path small = Files.createDirectories(out.resolve("small"));
        Sh.run(null, Map.of(), CMD, List.of("mount", "-t", "tmpfs", "-o", "size=1m", "pactfs-test", small.toString())).ok();
        try {
            Sh.Result full = pactfs("export-tar", "s1", small.resolve("s1.tar").toString()).failed();
            assertTrue(full.err().contains("No space left on device") || full.err().contains("no space left"), full.toString());
            assertFalse(full.err().contains("\tat "), full.toString());
            try (var s = Files.list(small)) {
                assertEquals(List.of(), s.toList(), how + ": nothing may be left of a failed export");
            }
        } finally {
            Sh.run(null, Map.of(), CMD, List.of("umount", small.toString())).ok();
        }
    }

    private Sh.Result pactfs(String command, String... args) {
        List<String> argv = new ArrayList<>(List.of(command, "--repo", fx.repo().toString(), "--key-file", key.toString()));
        argv.addAll(List.of(args));
        return fx.pactfs(CMD, argv.toArray(String[]::new));
    }

    private String keyArg() {
        return " --key-file " + key;
    }

    private static String localTime(String instant) {
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(java.time.ZoneId.systemDefault()).format(java.time.Instant.parse(instant));
    }

    /** Every entry's mtime, cut to {@code unitNs}. */
    private static Map<String, Long> mtimes(TreeManifest m, long unitNs) {
        Map<String, Long> out = new TreeMap<>();
        m.entries().forEach((k, v) -> out.put(k, v.mtimeNs() / unitNs * unitNs));
        return out;
    }
}
