package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * mount-scripts/setup-debian.sh's package list, checked with apt's simulation (apt-get -s, which changes nothing):
 * on this machine, and against an empty dpkg status so that conflicts between the listed packages (fuse and
 * fuse3/sshfs on bookworm, issue 14) show in seconds whatever this machine has installed.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SetupScriptTest {
    @TempDir
    Path tmp;

    static final Path SETUP = MountFixture.projectRoot().resolve("mount-scripts/setup-debian.sh");

    List<String> packages;

    @BeforeEach
    void packageList() {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/apt-get")),
                "apt-get not found: not a Debian machine, the apt check of setup-debian.sh does not apply");
        Sh.Result r = Sh.run(tmp, Map.of(), Duration.ofSeconds(30), List.of("bash", SETUP.toString(), "--packages")).ok();
        packages = Arrays.stream(r.out().trim().split("\\s+")).filter(p -> !p.isEmpty()).toList();
        assertFalse(packages.isEmpty(), "setup-debian.sh --packages printed no package: " + r);
    }

    /** apt-get -s --no-remove install PACKAGES with extra apt options; fails unless apt resolves without removing. */
    private Sh.Result simulate(String what, String... aptOptions) {
        List<String> argv = new ArrayList<>(List.of("apt-get", "-s", "--no-remove"));
        argv.addAll(List.of(aptOptions));
        argv.add("install");
        argv.addAll(packages);
        Sh.Result r = Sh.run(tmp, Map.of("DEBIAN_FRONTEND", "noninteractive"), Duration.ofSeconds(120), argv);
        assertEquals(0, r.exit(), () -> "apt cannot install setup-debian.sh's packages " + what
                + " without removing a package (if it says 'Unable to locate package', run apt-get update): " + r);
        List<String> removals = r.out().lines().filter(l -> l.startsWith("Remv ")).toList();
        assertTrue(removals.isEmpty(), () -> "installing setup-debian.sh's packages " + what + " would remove " + removals + ": " + r);
        return r;
    }

    @Test
    void thePackagesInstallOnThisMachineWithoutRemovingAny() {
        simulate("on this machine");
    }

    @Test
    void thePackagesInstallTogetherOnAMachineWithNothingInstalled() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty-dpkg-status"));
        Sh.Result r = simulate("together on an empty machine", "-o", "Dir::State::status=" + empty);
        for (String p : packages) {
            // with nothing installed, every listed package is one apt would install
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("Inst " + p + " ")),
                    () -> "apt would not install " + p + " on an empty machine: " + r);
        }
    }
}
