package dev.pactfs.host;

import dev.pactfs.files.PrivateFiles;
import dev.pactfs.partner.ManifestHead;
import dev.pactfs.partner.ManifestHeaders;
import dev.pactfs.partner.PartnerCorruptException;
import dev.pactfs.partner.PartnerTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The head of each copy's manifest chain, one small file per copy: {@code DIR/tenants/NAME/heads/pactfs-<id>}
 * holding {@code "SEQ NAME"}. Replaced atomically (temp file, fsync, rename, fsync of the directory), so after a
 * crash the head is the old one or the new one. It is written only after the manifest it names is durable, so a
 * head never names a file the host lacks; a crash between the two leaves the manifest stored and the head one
 * behind, and the tenant's resend of the same bytes completes the step. Callers hold the tenant's lock.
 */
final class ChainHeads {

    private final Tenants tenants;

    ChainHeads(Tenants tenants) {
        this.tenants = tenants;
    }

    /** The head of {@code copy}, {@link ManifestHead#NONE} when no manifest was accepted yet. */
    ManifestHead read(String tenant, String copy) throws IOException {
        Path f = file(tenant, copy);
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            return ManifestHead.NONE;
        }
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(f + " is not a regular file");
        }
        ManifestHead h = ManifestHead.parse(Files.readString(f));
        if (h == null) {
            // Never treated as "no head": that would let any manifest in. The admin restores or removes the file.
            throw new IOException(f + " is damaged: not \"SEQ NAME\"");
        }
        return h;
    }

    /**
     * The head of {@code copy}; when it has none yet but holds manifests (a copy stored before the host kept heads),
     * the head is derived once from the newest stored manifest that verifies under {@code key} and names the copy,
     * and persisted. Without that, such a copy would take a "first manifest" at any sequence: a fork or a rollback.
     *
     * @param t the copy's directory
     */
    ManifestHead readOrDerive(String tenant, String copy, PartnerTarget t, byte[] key) throws IOException {
        ManifestHead h = read(tenant, copy);
        if (h.seq() != 0) {
            return h;
        }
        ManifestHead newest = ManifestHead.NONE;
        for (String name : t.sizes(PartnerTarget.Kind.MANIFEST).keySet()) {
            ManifestHeaders.Checked c;
            try {
                c = ManifestHeaders.verify(t.load(PartnerTarget.Kind.MANIFEST, name), name, key);
            } catch (PartnerCorruptException e) {
                continue; // not a link the tenant signed: it cannot stand for the chain
            }
            if (copy.equals("pactfs-" + c.repoId()) && c.seq() > newest.seq()) {
                newest = new ManifestHead(c.seq(), name);
            }
        }
        if (newest.seq() != 0) {
            write(tenant, copy, newest);
        }
        return newest;
    }

    void write(String tenant, String copy, ManifestHead head) throws IOException {
        Path f = file(tenant, copy);
        PrivateFiles.createDirectories(f.getParent());
        PrivateFiles.replaceAtomically(f, head.line() + "\n");
    }

    private Path file(String tenant, String copy) {
        if (!ObjectPath.isCopy(copy)) {
            throw new IllegalArgumentException("not a copy name: " + copy);
        }
        return tenants.dir(tenant).resolve("heads").resolve(copy);
    }
}
