package dev.pactfs.cli;

import dev.pactfs.fs.PactFs;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a running mount daemon offers to commands it runs on behalf of a client (see {@link ControlServer}): its
 * open repository, its live filesystem, and services other layers register (the replicator, say). Outside a
 * daemon, {@link #current()} is null and commands open the repo themselves.
 */
public final class DaemonContext {

    private static volatile DaemonContext current;

    private final OpenRepo repo;
    private final PactFs fs;
    private final Map<Class<?>, Object> services = new ConcurrentHashMap<>();

    private DaemonContext(OpenRepo repo, PactFs fs) {
        this.repo = repo;
        this.fs = fs;
    }

    /** The daemon of this process, or null when this process is not a mount daemon. */
    public static DaemonContext current() {
        return current;
    }

    static DaemonContext start(OpenRepo repo, PactFs fs) {
        DaemonContext c = new DaemonContext(repo, fs);
        current = c;
        return c;
    }

    static void stop() {
        current = null;
    }

    /** The daemon's open repo, if it is the repo in {@code dir}. */
    OpenRepo repoFor(Path dir) {
        return sameDir(repo.dir, dir) ? repo : null;
    }

    public PactFs fs() {
        return fs;
    }

    /** Registers a daemon-wide service, e.g. the partner replicator, for commands run inside the daemon. */
    public <T> void register(Class<T> type, T service) {
        services.put(type, service);
    }

    /** A registered service, or null. */
    public <T> T service(Class<T> type) {
        return type.cast(services.get(type));
    }

    static boolean sameDir(Path a, Path b) {
        try {
            return a.toRealPath().equals(b.toRealPath());
        } catch (java.io.IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }
}
