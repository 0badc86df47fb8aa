package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** mount-scripts/ without a mount: the mount(8) helper's translation, install.sh, the systemd unit. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MountScriptsTest {
    @TempDir
    Path tmp;

    static final Path SCRIPTS = MountFixture.projectRoot().resolve("mount-scripts");

    /** A stand-in executable that prints its arguments, one per line, and exits with $STUB_EXIT. */
    private Path stub(String name) throws Exception {
        Path p = tmp.resolve(name);
        Files.writeString(p, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\nexit ${STUB_EXIT:-0}\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private Sh.Result helper(Map<String, String> env, String... args) {
        List<String> argv = new java.util.ArrayList<>();
        argv.add(SCRIPTS.resolve("mount.pactfs").toString());
        argv.addAll(List.of(args));
        return Sh.run(tmp, env, Duration.ofSeconds(30), argv);
    }

    @Test
    void helperTranslatesWhatMountPasses() throws Exception {
        Map<String, String> env = Map.of("PACTFS_BIN", stub("pactfs").toString());
        // exactly what mount(8) of util-linux 2.38 passes for the fstab line of docs/systemd.md
        assertEquals(List.of("mount", "--repo", "/var/lib/pactfs/acme", "/srv/backup", "--key-file", "/etc/pactfs/acme.key", "-o", "rw"),
                helper(env, "/var/lib/pactfs/acme", "/srv/backup", "-o", "rw,key_file=/etc/pactfs/acme.key,_netdev,nofail")
                        .ok().out().lines().toList());
        assertEquals(List.of("mount", "--repo", "/r", "/m", "--passphrase-file", "/p", "-o", "allow_other,ro,noatime"),
                helper(env, "/r", "/m", "-n", "-o", "defaults,allow_other,noauto,x-systemd.automount,user,comment=x,ro",
                        "-o", "passphrase_file=/p,noatime").ok().out().lines().toList());
        assertEquals(List.of("mount", "--repo", "/r", "/m"), helper(env, "/r", "/m").ok().out().lines().toList());
        assertEquals(List.of("mount", "--repo", "/r", "/m", "-o", "ro"),
                helper(env, "/r", "/m", "-t", "fuse.pactfs", "-r", "-o", "defaults").ok().out().lines().toList());
    }

    /** umount(8) runs umount.fuse.pactfs (or umount.pactfs): `pactfs umount`, which waits for the daemon's commit. */
    @Test
    void umountHelperWaitsThroughPactfsUmountAndDetachesLazilyOnDashL() throws Exception {
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Files.move(stub("fusermount"), bin.resolve("fusermount"));
        Map<String, String> env = Map.of("PACTFS_BIN", stub("pactfs").toString(), "PATH", bin + ":" + System.getenv("PATH"));
        for (String name : List.of("umount.pactfs", "umount.fuse.pactfs")) {
            Path helper = Files.createSymbolicLink(tmp.resolve(name), SCRIPTS.resolve("mount.pactfs"));
            // as util-linux 2.38 calls them (umount.pactfs gets -t when utab names helper=pactfs)
            assertEquals(List.of("umount", "/srv/backup"),
                    Sh.run(tmp, env, Duration.ofSeconds(30), List.of(helper.toString(), "/srv/backup", "-n", "-t", "fuse.pactfs"))
                            .ok().out().lines().toList(), name);
            assertEquals(List.of("umount", "/srv/backup"),
                    Sh.run(tmp, env, Duration.ofSeconds(30), List.of(helper.toString(), "/srv/backup")).ok().out().lines().toList());
            assertEquals(List.of("-u", "-z", "/srv/backup"),
                    Sh.run(tmp, env, Duration.ofSeconds(30), List.of(helper.toString(), "/srv/backup", "-l", "-t", "fuse.pactfs"))
                            .ok().out().lines().toList(), "umount -l detaches at once");
        }
        // the helper passes a failure of pactfs umount on to umount(8)
        Map<String, String> failing = new java.util.HashMap<>(env);
        failing.put("STUB_EXIT", "1");
        assertEquals(1, Sh.run(tmp, failing, Duration.ofSeconds(30), List.of(tmp.resolve("umount.pactfs").toString(), "/m")).exit());
    }

    @Test
    void mountOfADirectoryThatIsNoRepoSaysSoInOneLine() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Sh.Result r = Sh.run(tmp, Map.of(), Duration.ofSeconds(60), List.of(MountFixture.launcher().toString(), "mount",
                "--repo", tmp.resolve("no-repo").toString(), "--key-file", tmp.resolve("k").toString(), mnt.toString()));
        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("is not a pactfs repo"), r.err());
    }

    @Test
    void helperPassesOnFailureAndFakeMountsNothing() throws Exception {
        Map<String, String> env = Map.of("PACTFS_BIN", stub("pactfs").toString(), "STUB_EXIT", "3");
        assertEquals(3, helper(env, "/r", "/m", "-o", "key_file=/k").exit());
        Sh.Result fake = helper(env, "/r", "/m", "-f", "-o", "key_file=/k,_netdev").ok();
        assertEquals("", fake.out(), "mount -f must not run pactfs");
        assertTrue(fake.err().contains("mount --repo /r /m --key-file /k"), fake.err());
        assertEquals(2, helper(env, "/r").exit(), "usage error");
    }

    @Test
    void launcherStartsFromAClassDataArchiveAndKeepsStdoutForTheProgram() throws Exception {
        Path launcher = SCRIPTS.resolve("pactfs");
        Path repo = tmp.resolve("r");
        Path key = tmp.resolve("k");
        Sh.run(tmp, Map.of(), Duration.ofSeconds(90), List.of(launcher.toString(), "init", "--repo", repo.toString(),
                "--key-file", key.toString())).ok();
        // The first run after a build made the archive beside the jar (or another launcher running then is making it:
        // allow it the time); the JVM then maps it, and says so only when asked, on stderr.
        Path target = MountFixture.projectRoot().resolve("target");
        long deadline = System.nanoTime() + 60_000_000_000L;
        boolean made;
        do {
            try (var files = Files.list(target)) {
                made = files.anyMatch(f -> f.getFileName().toString().matches("pactfs-\\d+\\.jsa"));
            }
            if (!made) {
                Thread.sleep(500);
            }
        } while (!made && System.nanoTime() < deadline);
        assertTrue(made, "archive in " + target);
        Sh.Result paper = Sh.run(tmp, Map.of("PACTFS_JAVA_OPTS", "-Xlog:cds=info:stderr"), Duration.ofSeconds(60),
                List.of(launcher.toString(), "key", "export", "--paper", "--repo", repo.toString(), "--key-file", key.toString())).ok();
        assertEquals(1, paper.out().lines().count(), "stdout holds the code alone: " + paper.out());
        assertTrue(paper.out().strip().matches("[0-9A-Z]{5}(-[0-9A-Z]{5})+"), paper.out());
        assertTrue(java.util.regex.Pattern.compile("Opened archive \\S*/target/pactfs-\\d+\\.jsa").matcher(paper.err()).find(),
                "the launcher's archive is used: " + paper.err());
    }

    @Test
    void installShStagesEverythingAndUninstalls() throws Exception {
        Path jar = Files.writeString(tmp.resolve("fake.jar"), "not really a jar");
        Path root = tmp.resolve("root");
        Sh.run(null, Map.of(), Duration.ofSeconds(60),
                List.of(SCRIPTS.resolve("install.sh").toString(), "DESTDIR=" + root, "JAR=" + jar)).ok();
        for (String f : List.of("usr/local/lib/pactfs/pactfs.jar", "usr/local/lib/pactfs/put-jit.json",
                "usr/local/bin/pactfs", "sbin/mount.pactfs",
                "sbin/mount.fuse.pactfs", "etc/systemd/system/pactfs@.service", "usr/local/share/doc/pactfs/systemd.md",
                "etc/systemd/system/pactfs-prune@.timer", "etc/systemd/system/pactfs-check@.service",
                "etc/systemd/system/pactfs-audit@.timer")) {
            assertTrue(Files.exists(root.resolve(f)), "installed: " + f);
        }
        for (String helper : List.of("mount.fuse.pactfs", "umount.pactfs", "umount.fuse.pactfs")) {
            assertEquals("mount.pactfs", Files.readSymbolicLink(root.resolve("sbin/" + helper)).toString(), helper);
        }
        assertTrue(Files.isExecutable(root.resolve("usr/local/bin/pactfs")));
        assertTrue(Files.isExecutable(root.resolve("sbin/mount.pactfs")));
        String unit = Files.readString(root.resolve("etc/systemd/system/pactfs@.service"));
        assertTrue(unit.contains("ExecStart=/usr/local/bin/pactfs mount --foreground"), unit);
        assertTrue(unit.contains("ExecStop=/usr/local/bin/pactfs umount %f"), unit);
        assertTrue(!unit.contains("@BINDIR@") && !unit.contains("@FUSERMOUNT@"), unit);
        assertTrue(Files.readString(root.resolve("sbin/mount.pactfs")).contains("bindir='/usr/local/bin'"));

        // The installed launcher runs the installed jar (java replaced by a stub that prints its arguments).
        stub("java");
        Sh.Result run = Sh.run(null, Map.of("PATH", tmp + ":" + System.getenv("PATH")),
                Duration.ofSeconds(30), List.of(root.resolve("usr/local/bin/pactfs").toString(), "status", "--repo", "/r")).ok();
        List<String> args = run.out().lines().toList();
        int j = args.indexOf("-jar");
        assertTrue(j >= 0, "java -jar expected: " + args);
        assertEquals(List.of("-jar", root.resolve("usr/local/lib/pactfs/pactfs.jar").toString(), "status", "--repo", "/r"),
                args.subList(j, args.size()));
        assertTrue(args.stream().noneMatch(a -> a.startsWith("-XX:CompilerDirectivesFile")), "only put: " + args);
        assertTrue(args.contains("-Xlog:all=warning:stderr"), "JVM warnings on stderr: " + args);
        // put, a short-lived JVM, gets the installed JIT directives (mount-scripts/put-jit.json).
        List<String> putArgs = Sh.run(null, Map.of("PATH", tmp + ":" + System.getenv("PATH")), Duration.ofSeconds(30),
                List.of(root.resolve("usr/local/bin/pactfs").toString(), "put", "--repo", "/r", "f", "n")).ok().out().lines().toList();
        assertTrue(putArgs.contains("-XX:CompilerDirectivesFile=" + root.resolve("usr/local/lib/pactfs/put-jit.json")), "put: " + putArgs);
        assertTrue(putArgs.contains("-XX:+UseParallelGC") && !putArgs.contains("-XX:+UseG1GC"), "put: " + putArgs);
        assertTrue(args.contains("-XX:+UseG1GC"), "the daemon and other commands keep G1: " + args);

        Sh.run(null, Map.of(), Duration.ofSeconds(60),
                List.of(SCRIPTS.resolve("install.sh").toString(), "--uninstall", "DESTDIR=" + root)).ok();
        assertEquals(List.of(), Sh.run(null, Map.of(), Duration.ofSeconds(10),
                List.of("find", root.toString(), "-type", "f", "-o", "-type", "l")).ok().out().lines().toList());
    }

    /** The mount service and the routine's services and timers, as installed, pass systemd-analyze verify. */
    @Test
    void systemdAnalyzeVerifiesTheUnitsAndTimers() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze not installed");
        Path jar = Files.writeString(tmp.resolve("fake.jar"), "");
        Path root = tmp.resolve("root");
        Sh.run(null, Map.of(), Duration.ofSeconds(60),
                List.of(SCRIPTS.resolve("install.sh").toString(), "DESTDIR=" + root, "JAR=" + jar)).ok();
        // verify checks that ExecStart= programs exist: point them at the staged launcher.
        Path dir = Files.createDirectory(tmp.resolve("units"));
        List<String> argv = new java.util.ArrayList<>(List.of("systemd-analyze", "verify"));
        for (String name : List.of("pactfs@", "pactfs-prune@", "pactfs-check@", "pactfs-audit@")) {
            for (String kind : List.of(".service", ".timer")) {
                Path installed = root.resolve("etc/systemd/system/" + name + kind);
                if (kind.equals(".timer") && name.equals("pactfs@")) {
                    continue;
                }
                String unit = Files.readString(installed)
                        .replace("/usr/local/bin/pactfs", root.resolve("usr/local/bin/pactfs").toString());
                assertTrue(!unit.contains("@BINDIR@") && !unit.contains("@DOCDIR@"), installed + ":\n" + unit);
                Path instance = dir.resolve(name + "srv-backup" + kind);
                Files.writeString(instance, unit);
                argv.add(instance.toString());
            }
        }
        Sh.Result r = Sh.run(dir, Map.of("SYSTEMD_LOG_LEVEL", "notice"), Duration.ofSeconds(60), argv);
        assertEquals(0, r.exit(), r.toString());
        assertTrue(!r.err().contains("pactfs"), "systemd-analyze verify complains about a unit:\n" + r.err());
    }
}
