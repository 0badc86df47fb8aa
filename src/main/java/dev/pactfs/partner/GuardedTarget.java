package dev.pactfs.partner;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Refuses every write unless the copy's {@code config} is there and names this repo. An unmounted NFS
 * mountpoint is an empty local directory: writing there would fill the home disk and lose the backup. The
 * config is re-read before each save and delete (a few bytes), so a share that goes away mid-pass stops the
 * pass at the next file. Thread-safe.
 */
final class GuardedTarget extends ForwardingTarget {

    /** First line of a partner copy's config. */
    static final String CONFIG_MAGIC = "pactfs-partner-copy";

    private final String repoId;

    GuardedTarget(PartnerTarget inner, String repoId) {
        super(inner);
        this.repoId = repoId;
    }

    /** Throws {@link PartnerUnavailableException} (one line, what was expected and found) unless the copy is ours. */
    void check() throws PartnerUnavailableException {
        String cfg = inner.location() + "/config";
        byte[] b;
        try {
            b = inner.load(Kind.CONFIG, "config");
        } catch (PartnerUnavailableException e) {
            throw e; // already one line saying what is wrong (not responding, shutting down)
        } catch (IOException e) {
            if (PartnerTarget.isNotFound(e)) {
                throw new PartnerUnavailableException("partner copy not there: " + cfg
                        + " is missing (is the partner share mounted?); nothing written");
            }
            throw new PartnerUnavailableException("partner unreachable: cannot read " + cfg + ": " + e.getMessage(), e);
        }
        String found = parseRepoId(new String(b, StandardCharsets.UTF_8));
        if (found == null) {
            throw new PartnerUnavailableException("partner copy config " + cfg + " is not a pactfs partner config;"
                    + " nothing written");
        }
        if (!found.equals(repoId)) {
            throw new PartnerUnavailableException("partner copy " + cfg + " belongs to repo " + found + ", not "
                    + repoId + "; nothing written");
        }
    }

    /** The repo id a partner config names, or null if it is not one. */
    static String parseRepoId(String text) {
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].strip().equals(CONFIG_MAGIC)) {
            return null;
        }
        for (String l : lines) {
            if (l.startsWith("repo_id=")) {
                return l.substring("repo_id=".length()).strip();
            }
        }
        return null;
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        if (kind == Kind.CONFIG) {
            throw new IllegalArgumentException("the partner config is written by init, not by replication");
        }
        check();
        inner.save(kind, name, data);
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        if (kind == Kind.CONFIG) {
            throw new IllegalArgumentException("never delete the partner config");
        }
        check();
        inner.delete(kind, name);
    }

    @Override
    public int cleanup() throws IOException {
        check();
        return inner.cleanup();
    }
}
