package dev.pactfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Creates the on-partner directory {@code <partner>/pactfs-<repo-id>/} with its plaintext {@code config}
 * (format version and repo id, nothing secret) and the empty {@code packs/}, {@code index/}, {@code snapshots/}.
 * Replication (the partner layer) writes only where this config names its repo.
 */
final class PartnerLayout {

    /** On-partner format version. */
    static final int FORMAT = 1;

    private PartnerLayout() {
    }

    static Path dirFor(Path partner, String repoId) {
        return partner.resolve("pactfs-" + repoId);
    }

    static void create(Path partner, String repoId) throws IOException {
        Path dir = dirFor(partner, repoId);
        Files.createDirectories(dir.resolve("packs"));
        Files.createDirectories(dir.resolve("index"));
        Files.createDirectories(dir.resolve("snapshots"));
        Files.createDirectories(dir.resolve("manifests"));
        Path tmp = dir.resolve("config.tmp");
        Files.writeString(tmp, configText(repoId), StandardCharsets.US_ASCII);
        Files.move(tmp, dir.resolve("config"), StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The copy on an object store: only its {@code config} object (a bucket has no directories to create; the
     * others appear with their first object).
     */
    static void create(dev.pactfs.partner.PartnerTarget copy, String repoId) throws IOException {
        copy.save(dev.pactfs.partner.PartnerTarget.Kind.CONFIG, "config", configText(repoId).getBytes(StandardCharsets.US_ASCII));
    }

    private static String configText(String repoId) {
        return "pactfs-partner-copy\nformat=" + FORMAT + "\nrepo_id=" + repoId + "\n";
    }
}
