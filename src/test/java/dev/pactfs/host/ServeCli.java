package dev.pactfs.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pactfs.cli.CliRun;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A {@code pactfs serve} host in this JVM under {@code base/host} and home repos paired with it through the CLI
 * ({@code serve pair}, {@code init --partner pactfs://… --pair-file}), each command run in-process: the tests of
 * home's reports (quota, fork) need no mount, and a launcher per command would cost seconds each.
 */
final class ServeCli implements AutoCloseable {

    final Path base;
    final Path root;
    final HostServer server;
    final String uri;

    ServeCli(Path base) throws IOException {
        this.base = base;
        this.root = base.resolve("host");
        this.server = HostServer.start(root, new InetSocketAddress("127.0.0.1", 0));
        this.uri = "pactfs://127.0.0.1:" + server.port();
    }

    /** A new repo {@code base/NAME} paired with new tenant {@code name} of quota {@code quota}; key in base/NAME.key. */
    Path init(String name, long quota) throws IOException {
        String code = HostServer.pair(root, name, quota); // what `serve pair` prints (tested by ServePairLauncherTest)
        Path pairFile = Files.writeString(base.resolve(name + ".pair"), code + "\n");
        Path repo = base.resolve(name);
        ok("init", "--repo", repo.toString(), "--partner", uri, "--pair-file", pairFile.toString(), "--key-file",
                key(repo).toString());
        return repo;
    }

    static Path key(Path repo) {
        return repo.resolveSibling(repo.getFileName() + ".key");
    }

    /** Puts {@code bytes} random bytes as {@code file}, then snapshots the repo as {@code snapshot} (if not null). */
    void put(Path repo, int bytes, String file, String snapshot) throws IOException {
        byte[] data = new byte[bytes];
        new Random(bytes).nextBytes(data);
        Path f = Files.write(base.resolve(file), data);
        onOk(repo, "put", f.toString(), file);
        if (snapshot != null) {
            onOk(repo, "snapshot create", "--name", snapshot);
        }
    }

    /** {@code pactfs COMMAND --repo REPO --key-file KEY ARGS…}; COMMAND may be two words ("snapshot create"). */
    CliRun.Result on(Path repo, String command, String... args) {
        java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(command.split(" ")));
        argv.addAll(java.util.List.of("--repo", repo.toString(), "--key-file", key(repo).toString()));
        argv.addAll(java.util.List.of(args));
        return CliRun.run(argv.toArray(String[]::new));
    }

    /** {@link #on}, which must exit 0. */
    CliRun.Result onOk(Path repo, String command, String... args) {
        CliRun.Result r = on(repo, command, args);
        assertEquals(0, r.exit(), command + " " + String.join(" ", args) + ": " + r);
        return r;
    }

    static CliRun.Result ok(String... args) {
        CliRun.Result r = CliRun.run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r);
        return r;
    }

    @Override
    public void close() {
        server.close();
    }
}
