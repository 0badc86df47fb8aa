package dev.pactfs.host;

import dev.pactfs.crypto.TlsIdentity;
import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HexFormat;

/** The host's TLS key, {@code DIR/host.key} (hex seed, mode 0600), made on first use. */
public final class HostKey {

    private HostKey() {
    }

    /** The host identity of {@code root}, creating {@code root} and the key if missing. */
    public static synchronized TlsIdentity load(Path root) throws IOException {
        PrivateFiles.createDirectories(root);
        Path file = root.resolve("host.key");
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] seed = TlsIdentity.newSeed();
            PrivateFiles.writeNew(file, HexFormat.of().formatHex(seed) + "\n");
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        try {
            return TlsIdentity.fromSeed(HexFormat.of().parseHex(Files.readString(file).trim()));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is damaged: " + e.getMessage());
        }
    }
}
