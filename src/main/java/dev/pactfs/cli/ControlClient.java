package dev.pactfs.cli;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Forwards a command line to the daemon that has the repo mounted, if there is one (see {@link ControlServer}). */
final class ControlClient {

    /** Commands that never go to a daemon: they do not use an open repo, or they start one. */
    private static final Set<String> LOCAL = Set.of("init", "mount", "umount", "key", "help", "recover", "scrub-hosted",
            "migrate");

    /** How long the socket may take to prove itself before the client gives up, in seconds. */
    static final int HANDSHAKE_TIMEOUT_SECONDS = 30;

    private ControlClient() {
    }

    /**
     * Runs {@code args} in the daemon that serves the repo named by {@code --repo}, relaying its output. Nothing of
     * the command line is sent before the daemon has proved that it holds the repo's control key.
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
        try (ControlChannel c = new ControlChannel(ch)) {
            authenticate(c, repo);
            c.out.writeUTF(Path.of("").toAbsolutePath().toString());
            c.out.writeInt(args.length);
            for (String a : args) {
                c.out.writeUTF(a);
            }
            c.out.flush();
            return new ForwardedCommand(c, args[0], repo, out, err).run();
        } catch (UserError e) {
            err.println("pactfs: " + e.getMessage());
            return Main.EXIT_USER_ERROR;
        } catch (EOFException e) {
            err.println("pactfs: the mount daemon closed the connection before the command finished (see its mount.log)");
            return Main.EXIT_USER_ERROR;
        } catch (IOException e) {
            err.println("pactfs: talking to the mount daemon failed: " + e.getMessage());
            return Main.EXIT_USER_ERROR;
        }
    }

    /**
     * Sends a fresh nonce and checks the answer against {@code <repo>/control.key} (see {@link ControlKey}): a
     * listener that is not the daemon of this repo learns the nonce and nothing else.
     */
    private static void authenticate(ControlChannel c, Path repo) throws IOException, UserError {
        Path sock = repo.resolve(ControlServer.SOCKET);
        byte[] nonce = ControlKey.nonce();
        AtomicBoolean answered = new AtomicBoolean();
        CompletableFuture.delayedExecutor(HANDSHAKE_TIMEOUT_SECONDS, TimeUnit.SECONDS).execute(() -> {
            if (!answered.get()) {
                try {
                    c.close(); // unblocks the read below
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
            }
        });
        int kind;
        byte[] tag;
        try {
            try {
                c.out.write(ControlServer.HELLO);
                c.out.write(nonce);
                c.out.flush();
            } catch (IOException e) {
                // a daemon that refused us may have closed already: its line is still there to read
            }
            kind = c.in.read();
            if (kind == ControlServer.REFUSED) {
                throw new UserError(c.in.readUTF());
            }
            tag = c.in.readNBytes(dev.pactfs.crypto.Hmac.LENGTH);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new UserError(sock + " did not answer within " + HANDSHAKE_TIMEOUT_SECONDS + " s; nothing was sent");
        } catch (IOException e) {
            throw new UserError(sock + " broke off before proving it is the mount daemon of this repo (" + e.getMessage()
                    + "); nothing was sent");
        } finally {
            answered.set(true);
        }
        if (kind != ControlServer.PROOF || tag.length != dev.pactfs.crypto.Hmac.LENGTH) {
            throw new UserError(sock + " did not answer as a pactfs mount daemon; nothing was sent (remove the socket"
                    + " if no daemon runs)");
        }
        if (!ControlKey.trusted(repo).accepts(nonce, tag)) {
            throw new UserError(sock + " did not prove it is the mount daemon of this repo (wrong answer to "
                    + ControlKey.FILE + "); nothing was sent");
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
