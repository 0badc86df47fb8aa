package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .deb as Maven builds it (profile deb): what dpkg says it depends on and holds, and that the launcher it
 * installs runs, from a scratch root (dpkg -x) rather than this machine's /usr. The install into a fresh Debian and
 * a mount from fstab are src/test/fresh-debian.sh's.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class DebPackageTest {
    @TempDir
    Path tmp;

    static final Path ROOT = MountFixture.projectRoot();

    private static Path built;

    /** The .deb, built once per run from the jar the launcher uses (built if missing): staging and jdeb, no re-shading. */
    static synchronized Path buildDeb() throws Exception {
        if (built == null) {
            built = build();
        }
        return built;
    }

    private static Path build() throws Exception {
        Sh.run(null, Map.of(), Duration.ofMinutes(4), List.of(MountFixture.launcher().toString(), "--version")).ok();
        try (Stream<Path> old = Files.list(ROOT.resolve("target"))) {
            for (Path p : old.filter(p -> p.getFileName().toString().matches("pactfs_.*\\.deb")).toList()) {
                Files.delete(p);
            }
        }
        List<String> goals = List.of("-q", "-Pdeb", "exec:exec@deb-stage", "org.vafer:jdeb:jdeb@deb");
        Sh.Result r = Sh.run(ROOT, Map.of(), Duration.ofMinutes(4), concat(List.of("mvn", "-o"), goals));
        if (r.exit() != 0) { // the first build on a machine downloads the plugins
            r = Sh.run(ROOT, Map.of(), Duration.ofMinutes(4), concat(List.of("mvn"), goals)).ok();
        }
        try (Stream<Path> debs = Files.list(ROOT.resolve("target"))) {
            List<Path> found = debs.filter(p -> p.getFileName().toString().matches("pactfs_.*_all\\.deb")).toList();
            assertEquals(1, found.size(), "one target/pactfs_*_all.deb: " + found + "\n" + r);
            return found.get(0);
        }
    }

    @Test
    void debDependsOnJava17AndFuseAndHoldsEveryPiece() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "dpkg-deb not installed");
        Path deb = buildDeb();
        String info = Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("dpkg-deb", "-f", deb.toString(), "Package",
                "Architecture", "Depends")).ok().out();
        assertEquals(List.of("Package: pactfs", "Architecture: all",
                "Depends: openjdk-17-jre-headless | java17-runtime-headless, libfuse2, fuse3 | fuse"), info.lines().toList());

        List<String> listing = Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("dpkg-deb", "-c", deb.toString()))
                .ok().out().lines().toList();
        for (String exe : List.of("./usr/bin/pactfs", "./usr/sbin/mount.pactfs")) {
            assertTrue(listing.stream().anyMatch(l -> l.startsWith("-rwxr-xr-x root/root") && l.endsWith(" " + exe)), exe + ":\n" + listing);
        }
        for (String link : List.of("mount.fuse.pactfs", "umount.pactfs", "umount.fuse.pactfs")) {
            assertTrue(listing.stream().anyMatch(l -> l.endsWith("./usr/sbin/" + link + " -> mount.pactfs")), link + ":\n" + listing);
        }
        for (String file : List.of("./usr/share/pactfs/pactfs.jar", "./usr/share/pactfs/put-jit.json",
                "./lib/systemd/system/pactfs@.service", "./lib/systemd/system/pactfs-prune@.timer",
                "./lib/systemd/system/pactfs-prune@.service", "./lib/systemd/system/pactfs-check@.timer",
                "./lib/systemd/system/pactfs-audit@.timer", "./usr/share/man/man1/pactfs.1.gz",
                "./usr/share/man/man1/pactfs-mount.1.gz", "./usr/share/man/man1/pactfs-snapshot-create.1.gz",
                "./usr/share/bash-completion/completions/pactfs", "./usr/share/doc/pactfs/systemd.md")) {
            assertTrue(listing.stream().anyMatch(l -> l.startsWith("-rw-r--r-- root/root") && l.endsWith(" " + file)), file + ":\n" + listing);
        }
        // Nothing of the admin's (repos, keys, configuration) and no run-time file: the archive is made by postinst.
        assertTrue(listing.stream().noneMatch(l -> l.contains("./etc/") || l.contains("./var/") || l.endsWith(".jsa")), listing.toString());

        // postrm removes the class-data cache and nothing else.
        Path control = tmp.resolve("control");
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("dpkg-deb", "-e", deb.toString(), control.toString())).ok();
        List<String> removals = Files.readAllLines(control.resolve("postrm")).stream().map(String::strip)
                .filter(l -> l.startsWith("rm ")).toList();
        assertEquals(List.of("rm -rf /var/cache/pactfs"), removals);
        assertTrue(Files.readString(control.resolve("postinst")).contains("install -d -m 0755 /var/cache/pactfs"));
    }

    @Test
    void theInstalledLauncherRunsAndTheHelpersNameIt() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-deb")), "dpkg-deb not installed");
        Path deb = buildDeb();
        Path scratch = tmp.resolve("root");
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of("dpkg-deb", "-x", deb.toString(), scratch.toString())).ok();
        Sh.Result version = Sh.run(null, Map.of(), Duration.ofMinutes(1),
                List.of(scratch.resolve("usr/bin/pactfs").toString(), "--version")).ok();
        assertTrue(version.out().matches("pactfs \\S+\\n"), version.toString());

        assertTrue(Files.readString(scratch.resolve("usr/sbin/mount.pactfs")).contains("bindir='/usr/bin'"));
        assertTrue(Files.readString(scratch.resolve("usr/bin/pactfs")).contains("cds_dir='/var/cache/pactfs'"));
        String unit = Files.readString(scratch.resolve("lib/systemd/system/pactfs@.service"));
        assertTrue(unit.contains("ExecStart=/usr/bin/pactfs mount --foreground") && unit.contains("-/bin/fusermount -u -z"), unit);
        String man = Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("zcat",
                scratch.resolve("usr/share/man/man1/pactfs-mount.1.gz").toString())).ok().out();
        assertTrue(man.startsWith(".TH \"PACTFS-MOUNT\" 1") && man.contains("\\fB\\-\\-snapshot\\-every\\fR=\\fIDURATION\\fR"), man);
        Sh.Result completion = Sh.bash(null, Map.of(), Duration.ofSeconds(30),
                "source " + scratch.resolve("usr/share/bash-completion/completions/pactfs") + " && complete -p pactfs").ok();
        assertTrue(completion.out().contains("pactfs"), completion.toString());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
