package dev.pactfs.host;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes each tenant stores, counted from its files when the daemon starts (every regular file under its prefix,
 * temp files included: they take disk too) and kept in memory after: the daemon is the only writer, and nothing
 * is ever deleted through it. An upload first reserves its bytes against the quota here, so two parallel uploads
 * cannot both squeeze past it. Thread-safe: every method is synchronized (the map is small, the work trivial).
 */
final class Usage {

    private final Map<String, Long> used = new HashMap<>();

    /** Counts every tenant's prefix under {@code tenants} now. */
    static Usage scan(Tenants tenants) throws IOException {
        Usage u = new Usage();
        for (String t : tenants.names()) {
            u.used.put(t, bytesUnder(tenants.data(t)));
        }
        return u;
    }

    /** Bytes stored for {@code tenant}. */
    synchronized long used(String tenant) {
        return used.getOrDefault(tenant, 0L);
    }

    /** Adds {@code bytes} to the tenant's count when that stays within {@code quota}; false (nothing added) if not. */
    synchronized boolean reserve(String tenant, long bytes, long quota) {
        long now = used(tenant);
        if (now + bytes > quota) {
            return false;
        }
        used.put(tenant, now + bytes);
        return true;
    }

    /** Gives back a reservation whose upload was not stored after all. */
    synchronized void release(String tenant, long bytes) {
        used.put(tenant, Math.max(0, used(tenant) - bytes));
    }

    /** Sum of regular files' sizes below {@code dir} (no symlink followed; 0 when it does not exist). */
    private static long bytesUnder(Path dir) throws IOException {
        long[] sum = {0};
        RegularFiles.walk(dir, (p, a) -> sum[0] += a.size());
        return sum[0];
    }
}
