package dev.pactfs.cli;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Addresses of Unix sockets whose path may be longer than the kernel's {@code sun_path} (108 bytes with the NUL):
 * a repo can live at any depth, but {@code bind}/{@code connect} on {@code <repo>/control.sock} fail with "Unix
 * domain path too long" from about 107 bytes. A longer path is reached through a symlink to its directory inside a fresh
 * 0700 temporary directory; the kernel follows it, so the socket file itself is still {@code <repo>/control.sock}.
 */
final class UnixSocketPaths {

    /** Longest path used as is: sun_path is 108 bytes, and OpenJDK 17 already refuses 107 (checked here). */
    static final int MAX_BYTES = 100;

    interface SocketOp<T> {
        T apply(UnixDomainSocketAddress address) throws IOException;
    }

    private UnixSocketPaths() {
    }

    /** Runs {@code op} (bind or connect) with an address that reaches {@code socket}, whatever its length. */
    static <T> T with(Path socket, SocketOp<T> op) throws IOException {
        Path abs = socket.toAbsolutePath().normalize();
        if (abs.toString().getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
            return op.apply(UnixDomainSocketAddress.of(abs));
        }
        Path tmp = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "pactfs-sock-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = tmp.resolve("d");
        try {
            Files.createSymbolicLink(link, abs.getParent());
            return op.apply(UnixDomainSocketAddress.of(link.resolve(abs.getFileName())));
        } finally {
            Files.deleteIfExists(link);
            Files.deleteIfExists(tmp);
        }
    }
}
