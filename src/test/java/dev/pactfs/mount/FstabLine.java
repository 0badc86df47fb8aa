package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * An /etc/fstab line for the fixture's repo and mountpoint, as an admin sets it up: install.sh into a staging
 * root, the helper copied to /sbin as mount.fuse.pactfs, umount.fuse.pactfs and umount.pactfs (mount(8) and
 * umount(8) only look in /sbin; the helper acts by the name it is called with), the line appended to
 * /etc/fstab. {@link #close} restores /etc/fstab and /sbin as they were.
 */
final class FstabLine implements AutoCloseable {

    static final Path FSTAB = Path.of("/etc/fstab");
    static final List<Path> HELPERS = List.of(Path.of("/sbin/mount.fuse.pactfs"), Path.of("/sbin/umount.fuse.pactfs"),
            Path.of("/sbin/umount.pactfs"));

    private final byte[] savedFstab;
    /** Helpers that were there before, moved aside: where each was, where it is now. */
    private final Map<Path, Path> savedHelpers = new java.util.LinkedHashMap<>();
    /** The launcher's directory in the staging root. */
    final Path bin;

    private FstabLine(byte[] savedFstab, Path bin) {
        this.savedFstab = savedFstab;
        this.bin = bin;
    }

    /** Installs the helpers and adds {@code REPO MNT fuse.pactfs defaults,_netdev,key_file=KEY 0 0}. */
    static FstabLine install(MountFixture fx, Path key) throws Exception {
        return install(fx, key, "");
    }

    /** As {@link #install(MountFixture, Path)}, with {@code moreOptions} (",name=value...") after key_file. */
    static FstabLine install(MountFixture fx, Path key, String moreOptions) throws Exception {
        // The launcher built it for init (or mount-scripts/run-tests.sh did, before the tests).
        String jar = MountFixture.projectRoot().resolve("target/pactfs.jar").toString();
        Path stage = fx.base().resolve("stage");
        // A real install under a temporary PREFIX (not DESTDIR): mount(8) runs helpers with a clean PATH, so
        // the helper must name the launcher by its real path, as it does after a normal install.
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of(MountFixture.projectRoot().resolve("mount-scripts/install.sh").toString(),
                "PREFIX=" + stage.resolve("usr/local"), "SBINDIR=" + stage.resolve("sbin"),
                "UNITDIR=" + stage.resolve("etc/systemd/system"), "JAR=" + jar)).ok();
        Path bin = stage.resolve("usr/local/bin");

        byte[] fstab = Files.readAllBytes(FSTAB);
        FstabLine line = new FstabLine(fstab, bin);
        try {
            for (Path helper : HELPERS) {
                if (Files.exists(helper, LinkOption.NOFOLLOW_LINKS)) {
                    line.savedHelpers.put(helper, Files.move(helper, fx.base().resolve("saved-" + helper.getFileName())));
                }
                Files.copy(stage.resolve("sbin/mount.pactfs"), helper, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            String entry = fx.repo() + " " + fx.mnt() + " fuse.pactfs defaults,_netdev,key_file=" + key + moreOptions
                    + " 0 0\n";
            Files.write(FSTAB, concat(fstab, entry));
            assertTrue(Files.readString(HELPERS.get(0)).contains("bindir='" + bin + "'"),
                    "helper must name the installed launcher");
            return line;
        } catch (Exception | AssertionError e) {
            line.close();
            throw e;
        }
    }

    @Override
    public void close() throws Exception {
        Files.write(FSTAB, savedFstab);
        for (Path helper : HELPERS) {
            Files.deleteIfExists(helper);
            Path saved = savedHelpers.get(helper);
            if (saved != null) {
                Files.move(saved, helper);
            }
        }
    }

    private static byte[] concat(byte[] a, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        boolean nl = a.length == 0 || a[a.length - 1] == '\n';
        byte[] out = new byte[a.length + (nl ? 0 : 1) + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        if (!nl) {
            out[a.length] = '\n';
        }
        System.arraycopy(b, 0, out, a.length + (nl ? 0 : 1), b.length);
        return out;
    }
}
