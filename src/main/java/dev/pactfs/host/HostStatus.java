package dev.pactfs.host;

import dev.pactfs.partner.ManifestHead;
import dev.pactfs.partner.ManifestHeaders;
import dev.pactfs.partner.PartnerCorruptException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code pactfs serve status}: the host admin's view of a serve root, read from its files, so it works whether the
 * daemon runs or not (the daemon keeps nothing that is not on disk). The manifest head's time comes from the
 * manifest's signed clear header, which the host reads with the tenant's public key only.
 */
public final class HostStatus {

    /** Content names of the copy layout: every stored object but {@code config}. */
    private static final Pattern OBJECT_NAME = Pattern.compile("[0-9a-f]{64}");

    private HostStatus() {
    }

    /** {@code DIR} is no serve root (no {@code host.key}): the one line the CLI prints. */
    public static final class NotAServeRootException extends IOException {
        NotAServeRootException(String message) {
            super(message);
        }
    }

    /**
     * One copy a tenant holds.
     *
     * @param copy            {@code pactfs-<repo-id>}
     * @param headSeq         the accepted manifest head's sequence, 0 when none was accepted yet
     * @param headName        its name, null when none
     * @param headTimeMs      when home made it (from its signed header), null when none or unreadable
     * @param headProblem     why the head could not be read (damaged head file, missing manifest), null when fine
     * @param objects         content-named files stored (packs, index files, snapshot records, manifests)
     * @param lastUploadMs    modification time of the newest of them (objects are never rewritten), null when none
     */
    public record Copy(String copy, long headSeq, String headName, Long headTimeMs, String headProblem, long objects,
            Long lastUploadMs) {
    }

    /**
     * One tenant.
     *
     * @param name       tenant name
     * @param paired     whether a client key is bound to it
     * @param usedBytes  bytes of every regular file under its prefix (what the daemon counts against the quota)
     * @param quotaBytes bytes promised
     * @param copies     its copies, by name
     */
    public record Tenant(String name, boolean paired, long usedBytes, long quotaBytes, List<Copy> copies) {
    }

    /** Every tenant of serve root {@code root}, by name. */
    public static List<Tenant> read(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve("host.key"), LinkOption.NOFOLLOW_LINKS)) {
            throw new NotAServeRootException(root + " is not a pactfs serve root (no host.key)");
        }
        Tenants tenants = new Tenants(root);
        Usage usage = Usage.scan(tenants);
        ChainHeads heads = new ChainHeads(tenants);
        List<Tenant> out = new ArrayList<>();
        List<String> names = tenants.names();
        names.sort(null);
        for (String t : names) {
            List<Copy> copies = new ArrayList<>();
            Path data = tenants.data(t);
            if (Files.isDirectory(data, LinkOption.NOFOLLOW_LINKS)) {
                List<Path> dirs = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(data)) {
                    for (Path p : ds) {
                        if (ObjectPath.isCopy(p.getFileName().toString()) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            dirs.add(p);
                        }
                    }
                }
                dirs.sort(null);
                for (Path dir : dirs) {
                    copies.add(copy(tenants, heads, t, dir));
                }
            }
            boolean paired = Files.isRegularFile(tenants.dir(t).resolve("client"), LinkOption.NOFOLLOW_LINKS);
            out.add(new Tenant(t, paired, usage.used(t), tenants.quota(t), copies));
        }
        return out;
    }

    private static Copy copy(Tenants tenants, ChainHeads heads, String tenant, Path dir) throws IOException {
        String name = dir.getFileName().toString();
        long[] objects = {0};
        long[] newest = {-1};
        RegularFiles.walk(dir, (p, a) -> {
            if (OBJECT_NAME.matcher(p.getFileName().toString()).matches()) { // not config nor temp files
                objects[0]++;
                newest[0] = Math.max(newest[0], a.lastModifiedTime().toMillis());
            }
        });
        Long last = newest[0] < 0 ? null : newest[0];
        ManifestHead head;
        try {
            head = heads.read(tenant, name);
        } catch (IOException e) {
            return new Copy(name, 0, null, null, e.getMessage(), objects[0], last);
        }
        if (head.seq() == 0) {
            return new Copy(name, 0, null, null, null, objects[0], last);
        }
        Path file = dir.resolve("manifests").resolve(head.name());
        try {
            ManifestHeaders.Checked c = ManifestHeaders.verify(Files.readAllBytes(file), head.name(),
                    tenants.manifestKey(tenant));
            return new Copy(name, head.seq(), head.name(), c.timeMs(), null, objects[0], last);
        } catch (IOException e) { // PartnerCorruptException too
            // Missing head manifest, damaged manifest-key file: this copy's problem, shown in its row.
            String why = e instanceof java.nio.file.NoSuchFileException ? "manifests/" + head.name() + " is missing"
                    : e.getMessage();
            return new Copy(name, head.seq(), head.name(), null, why, objects[0], last);
        }
    }
}
