package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tree and snapshot the LookInside*MountTest classes look into, and their checks: ls, find, dump, export-tar
 * and restore --include/--exclude/--verify through the launcher, with the repo mounted (the daemon runs them;
 * binary stdout comes back in frames) or unmounted (opened with a machine key file: no passphrase derivation per
 * call). Split in five classes so that each stays under 90 s on a loaded machine (one class took 262 s).
 */
final class LookInside {

    static final Duration CMD = Duration.ofMinutes(2);

    private final MountFixture fx;
    private final Path key;
    /** The tree as the mount showed it when snapshot s1 was taken. */
    final TreeManifest source;

    private LookInside(MountFixture fx, Path key, TreeManifest source) {
        this.fx = fx;
        this.key = key;
        this.source = source;
    }

    /** A repo with a key file, mounted, holding the test tree in snapshot s1; left mounted. */
    static LookInside prepare(MountFixture fx) throws Exception {
        Path key = fx.base().resolve("acme.key");
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
        return new LookInside(fx, key, source);
    }

    /** ls (text and --json), and the one-line error for a snapshot that is not there; {@code how} names the pass. */
    void ls(String how) throws Exception {
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

        // ls --json: one array, the same entries with their fields
        JsonNode sub = json(pactfs("ls", "s1:/src/sub", "--json").ok());
        assertEquals(3, sub.size(), how + ": " + sub);
        JsonNode big = sub.get(0);
        assertEquals("/src/sub/big", big.get("path").asText(), how);
        assertEquals("file", big.get("type").asText(), how);
        assertEquals(3_000_000L, big.get("size").asLong(), how);
        assertEquals("symlink", sub.get(2).get("type").asText(), how);
        assertEquals("../a.txt", sub.get(2).get("target").asText(), how);
        JsonNode a = json(pactfs("ls", "s1:/src/a.txt", "--json", "--long").ok());
        assertEquals(1, a.size(), how + ": " + a);
        assertEquals("2020-01-02T03:04:05.123456789Z", a.get(0).get("mtime").asText(), how);
        assertEquals(0640, a.get(0).get("mode").asInt(), how);
        assertEquals("-rw-r-----", a.get(0).get("permissions").asText(), how);
        JsonNode all = json(pactfs("ls", "s1:/", "--recursive", "--json").ok());
        assertEquals(long_.size() + 3, all.size(), how + ": /src itself, /odd and its entry besides what ls -lR src shows");

        Sh.Result noSnap = pactfs("ls", "s9:/src").failed();
        assertEquals(List.of("pactfs: no snapshot named 's9'"), MountFixture.withoutProgress(noSnap.err()), how);
    }

    /** find (text and --json), dump, and the one-line error for a path that is not there. */
    void findAndDump(String how) throws Exception {
        Path out = Files.createDirectories(fx.base().resolve(how));

        // find: which snapshots hold a path, with size and mtime
        List<String> found = pactfs("find", "sub/*", "--snapshot", "s1").ok().out().lines().toList();
        assertEquals(3, found.size(), how + ": " + found);
        assertTrue(found.stream().anyMatch(l -> l.startsWith("s1  -rw-r--r--      0      0      3000000 ")
                && l.endsWith(" /src/sub/big")), how + ": " + found);
        assertEquals(List.of(), pactfs("find", "/sub/*").ok().out().lines().toList(), how + ": anchored");
        JsonNode foundJson = json(pactfs("find", "sub/*", "--snapshot", "s1", "--json").ok());
        assertEquals(3, foundJson.size(), how + ": " + foundJson);
        assertEquals("s1", foundJson.get(0).get("snapshot").asText(), how);
        assertEquals("/src/sub/big", foundJson.get(0).get("path").asText(), how);
        assertEquals(0, json(pactfs("find", "/sub/*", "--json").ok()).size(), how + ": anchored, as JSON");

        // dump: a file byte-exact to stdout, a directory as tar
        Sh.Result dumped = fx.in(out, "set -o pipefail; " + MountFixture.launcher() + " dump --repo " + fx.repo()
                + keyArg() + " s1:/src/sub/big > big && cmp big " + fx.base().resolve("big.orig") + " && "
                + MountFixture.launcher() + " dump --repo " + fx.repo() + keyArg() + " s1:/src/sub | tar -tf - | sort");
        assertEquals(0, dumped.exit(), dumped.toString());
        assertEquals("src/sub/\nsrc/sub/big\nsrc/sub/hard\nsrc/sub/sym\n", dumped.out(), how);

        // one clear line, exit 1, for what is not there
        Sh.Result noPath = pactfs("dump", "s1:/src/none").failed();
        assertEquals(List.of("pactfs: no path '/src/none' in snapshot s1"), MountFixture.withoutProgress(noPath.err()), how);
    }

    /**
     * dump and export-tar into a pipe whose reader leaves after one byte: the command ends quietly with 141 (as
     * cat does); with {@code mounted}, the daemon stops it (its log says so) and goes on serving.
     */
    void closedPipe(boolean mounted) throws Exception {
        for (String cmd : List.of("dump --repo " + fx.repo() + keyArg() + " s1:/src/sub/big",
                "export-tar --repo " + fx.repo() + keyArg() + " s1:/src -")) {
            Sh.Result r = fx.in(fx.base(), "set -o pipefail; " + MountFixture.launcher() + " " + cmd + " | head -c1 | wc -c");
            assertEquals(141, r.exit(), cmd + ": " + r);
            assertEquals("1", r.out().trim(), cmd + ": " + r);
            assertEquals(List.of(), MountFixture.withoutProgress(r.err()), cmd + ": nothing on stderr");
            if (!mounted) {
                continue;
            }
            String name = cmd.substring(0, cmd.indexOf(' '));
            Path log = fx.repo().resolve("mount.log");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!stopped(Files.readString(log), name) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertTrue(stopped(Files.readString(log), name), name + " goes on in the daemon: " + fx.daemonLog());
        }
        if (!mounted) {
            return;
        }
        assertEquals(List.of("/src/sub/big", "/src/sub/hard", "/src/sub/sym"),
                pactfs("ls", "s1:/src/sub").ok().out().lines().toList(), "the daemon still serves commands");
        fx.inMount("cmp src/sub/big ../big.orig && echo more > src/after && cat src/after").ok();
        assertFalse(fx.daemonLog().contains("Exception"), fx.daemonLog());
    }

    private static boolean stopped(String log, String name) {
        return log.contains("control: " + name + " cancelled by its client")
                || log.contains("control: " + name + " stopped after");
    }

    /** export-tar (file and stdout), restore --include/--exclude/--verify, and OUT never through a symlink nor half-written. */
    void exportAndRestore(String how) throws Exception {
        Path out = Files.createDirectories(fx.base().resolve(how));

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
        Sh.Result odd = Sh.bash(out, Map.of(), CMD, MountFixture.launcher() + " export-tar --repo " + fx.repo() + keyArg()
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

        // no OUT through a symlink nor half-written
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

    private static JsonNode json(Sh.Result r) throws Exception {
        JsonNode n = new ObjectMapper().readTree(r.out());
        assertTrue(n.isArray(), r.toString());
        return n;
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
