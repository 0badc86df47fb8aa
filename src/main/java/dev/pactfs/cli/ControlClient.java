package dev.pactfs.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/** Forwards a command line to the daemon that has the repo mounted, if there is one (see {@link ControlServer}). */
final class ControlClient {

    /** Commands that never go to a daemon: they do not use an open repo, or they start one. */
    private static final Set<String> LOCAL = Set.of("init", "mount", "umount", "key", "help", "recover", "scrub-hosted",
            "migrate");

    private ControlClient() {
    }

    /**
     * Runs {@code args} in the daemon that serves the repo named by {@code --repo}, relaying its output.
     *
     * @return the command's exit status, or null when no daemon serves that repo (run it here)
     */
    static Integer tryForward(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || LOCAL.contains(args[0]) || args[0].startsWith("-")) {
            return null;
        }
        Path repo = repoArg(args);
        if (repo == null) {
            return null;
        }
        SocketChannel ch = connect(repo);
        if (ch == null) {
            return null;
        }
        try (ch) {
            DataOutputStream o = new DataOutputStream(Channels.newOutputStream(ch));
            o.writeUTF(Path.of("").toAbsolutePath().toString());
            o.writeInt(args.length);
            for (String a : args) {
                o.writeUTF(a);
            }
            o.flush();
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            while (true) {
                byte kind = in.readByte();
                if (kind == ControlServer.EXIT) {
                    return in.readInt();
                }
                int len = in.readInt();
                byte[] b = in.readNBytes(len);
                (kind == ControlServer.OUT ? out : err).write(b);
                (kind == ControlServer.OUT ? out : err).flush();
            }
        } catch (EOFException e) {
            err.println("pactfs: the mount daemon closed the connection before the command finished (see its mount.log)");
            return Main.EXIT_USER_ERROR;
        } catch (IOException e) {
            err.println("pactfs: talking to the mount daemon failed: " + e.getMessage());
            return Main.EXIT_USER_ERROR;
        }
    }

    /** Whether a mount daemon serves {@code repo} (its control socket answers). */
    static boolean daemonServes(Path repo) {
        SocketChannel ch = connect(repo);
        if (ch == null) {
            return false;
        }
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to release
        }
        return true;
    }

    /** A connection to the daemon serving {@code repo}, or null when none does. */
    private static SocketChannel connect(Path repo) {
        Path sock = repo.resolve(ControlServer.SOCKET);
        if (!Files.exists(sock)) {
            return null;
        }
        SocketChannel ch;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        } catch (IOException e) {
            return null;
        }
        try {
            UnixSocketPaths.with(sock, a -> ch.connect(a));
            return ch;
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to release
            }
            return null; // stale socket of a daemon that died: the repo is free to open here
        }
    }

    /** The value of {@code --repo DIR} or {@code --repo=DIR}, or null. */
    static Path repoArg(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repo") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--repo=")) {
                return Path.of(args[i].substring("--repo=".length()));
            }
        }
        return null;
    }
}
