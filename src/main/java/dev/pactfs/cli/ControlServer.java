package dev.pactfs.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Protocol (one request per connection):
 *   client -> daemon: UTF cwd, int argc, argc x UTF arg            (DataOutputStream encoding)
 *   daemon -> client: frames  kind(1) | length(4) | bytes          kind 1 = stdout, 2 = stderr
 *                     then    kind 3 | exit status(4)
 * The daemon runs the very same picocli command in-process, so a command behaves the same mounted or not; only
 * where it gets the repo from differs (OpenRepo.open returns the daemon's).
 *
 * Access: the socket file is mode 0600 in the repo directory, which init makes 0700: only root (the daemon's user)
 * can connect, the same people who can read the repo's key material anyway.
 */

/** The mount daemon's control socket, {@code <repo>/control.sock}: runs commands for local clients. */
final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    static final String SOCKET = "control.sock";
    static final byte OUT = 1;
    static final byte ERR = 2;
    static final byte EXIT = 3;

    private final ServerSocketChannel server;
    private final Path path;
    private final Thread acceptor;

    private ControlServer(ServerSocketChannel server, Path path) {
        this.server = server;
        this.path = path;
        this.acceptor = new Thread(this::acceptLoop, "pactfs-control");
        this.acceptor.setDaemon(true);
    }

    static ControlServer start(Path repoDir) throws IOException {
        Path path = repoDir.resolve(SOCKET);
        Files.deleteIfExists(path); // a stale socket from a crashed daemon
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            UnixSocketPaths.with(path, a -> ch.bind(a));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        ControlServer s = new ControlServer(ch, path);
        s.acceptor.start();
        return s;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread t = new Thread(() -> serve(c), "pactfs-control-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (server.isOpen()) {
                    log.warn("control socket: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
            Path cwd = Path.of(in.readUTF());
            int argc = in.readInt();
            if (argc < 0 || argc > 10_000) {
                throw new IOException("bad request: " + argc + " arguments");
            }
            List<String> args = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                args.add(in.readUTF());
            }
            log.debug("control: running {}", args);
            PrintWriter o = new PrintWriter(new FrameWriter(out, OUT), true);
            PrintWriter e = new PrintWriter(new FrameWriter(out, ERR), true);
            int[] status = new int[1];
            Cli.withCwd(cwd, () -> status[0] = Main.execute(args.toArray(String[]::new), o, e));
            o.flush();
            e.flush();
            synchronized (out) {
                out.writeByte(EXIT);
                out.writeInt(status[0]);
                out.flush();
            }
        } catch (IOException e) {
            log.debug("control client went away: {}", e.getMessage());
        }
    }

    /** Sends what a command prints as frames of one kind. */
    private static final class FrameWriter extends Writer {
        private final DataOutputStream out;
        private final byte kind;

        FrameWriter(DataOutputStream out, byte kind) {
            this.out = out;
            this.kind = kind;
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            byte[] b = new String(cbuf, off, len).getBytes(StandardCharsets.UTF_8);
            synchronized (out) {
                out.writeByte(kind);
                out.writeInt(b.length);
                out.write(b);
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (out) {
                out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
    }
}
