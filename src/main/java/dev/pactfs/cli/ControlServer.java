package dev.pactfs.cli;

import dev.pactfs.store.Cancellation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Protocol (one request per connection; DataOutputStream encoding):
 *   daemon -> client  REFUSED(5) UTF line, then close        when SO_PEERCRED is neither root nor the daemon's uid
 *   client -> daemon  "PCS1" nonce(32)
 *   daemon -> client  PROOF(6) HMAC-SHA256(control.key, "pactfs control proof v1" | nonce)   (ControlKey)
 *   client -> daemon  UTF cwd, int argc, argc x UTF arg      only after the proof checked out
 *   daemon -> client  frames  kind(1) | length(4) | bytes    kind 1 = stdout, 2 = stderr
 *                     PROGRESS(8) | length(4) | JSON           {"task","done_bytes","total_bytes","finished"}, at
 *                                                              most 5 a second, when the command has no --json
 *                     CANCELLING(4) | NOT_CANCELLABLE(7)      answers to a cancel
 *                     then EXIT(3) | exit status(4)           130 when the command was cancelled
 *   client -> daemon  CANCEL(1) at any time after the request; closing the connection counts as a cancel
 * The daemon runs the very same picocli command in-process, so a command behaves the same mounted or not; only
 * where it gets the repo from differs (OpenRepo.open returns the daemon's).
 *
 * Binding without a window: bind(2) creates the socket file with 0777 & ~umask, and the JDK has no umask call (nor
 * fchmod for sockets). So the socket is bound inside a fresh directory created 0700 (mkdir's mode argument, which a
 * umask can only narrow), chmod'ed 0600 there, and only then renamed to <repo>/control.sock. Nobody but root and
 * the daemon's user can reach it before it has its final mode: connect(2) needs search permission on every
 * directory of the path. The repo directory itself is 0700 as well (init), and PeerCheck refuses other users
 * anyway; three defences, each enough alone.
 *
 * Cancellation: a second thread per connection reads from the client while the command runs. A CANCEL byte or the
 * end of the connection cancels the command's Cancellation (cooperative: the work stops at its next checkpoint,
 * see store.Cancellation for why not Thread.interrupt). Only commands whose work has checkpoints are cancellable;
 * for the others the client is told that the daemon finishes them.
 */

/** The mount daemon's control socket, {@code <repo>/control.sock}: runs commands for local clients. */
final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);

    static final String SOCKET = "control.sock";
    static final byte[] HELLO = "PCS1".getBytes(StandardCharsets.US_ASCII);
    static final byte OUT = 1;
    static final byte ERR = 2;
    static final byte EXIT = 3;
    static final byte CANCELLING = 4;
    static final byte REFUSED = 5;
    static final byte PROOF = 6;
    static final byte NOT_CANCELLABLE = 7;
    /** A progress event of the command, which the client draws as a bar when it has a terminal (ProgressRelay). */
    static final byte PROGRESS = 8;
    /** Client to daemon: stop the command. */
    static final byte CANCEL = 1;
    /** Exit status of a cancelled command, as a shell reports a command ended by SIGINT. */
    static final int EXIT_CANCELLED = 130;

    /** Commands whose work stops at checkpoints (per file, per chunk, per write) and cleans up after itself. */
    private static final Set<String> CANCELLABLE = Set.of("restore", "check", "get", "put", "find", "dump",
            "export-tar");

    private final ServerSocketChannel server;
    private final Path path;
    private final Path repoDir;
    private final ControlKey key;
    private final Thread acceptor;
    /**
     * Runs each command that may change the tree (ReadOnlyCommands): the mount's KernelCacheGuard, so the mount
     * shows what a command changed at once.
     */
    private final Consumer<Runnable> outsideFuse;
    /** Commands run for clients since the start, for a caller that needs to know where a command ran. */
    private final java.util.concurrent.atomic.AtomicLong served = new java.util.concurrent.atomic.AtomicLong();

    private ControlServer(ServerSocketChannel server, Path path, Path repoDir, ControlKey key,
            Consumer<Runnable> outsideFuse) {
        this.server = server;
        this.path = path;
        this.repoDir = repoDir;
        this.key = key;
        this.outsideFuse = outsideFuse;
        this.acceptor = new Thread(this::acceptLoop, "pactfs-control");
        this.acceptor.setDaemon(true);
    }

    static ControlServer start(Path repoDir) throws IOException {
        return start(repoDir, Runnable::run);
    }

    /**
     * Starts serving; every command but the read-only ones runs inside {@code outsideFuse} (PactFuse::outsideFuse
     * for a mount).
     */
    static ControlServer start(Path repoDir, Consumer<Runnable> outsideFuse) throws IOException {
        Path path = repoDir.resolve(SOCKET);
        ControlKey key = ControlKey.create(repoDir); // before the socket: a client that finds the socket finds the key
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            bindPrivately(ch, path);
        } catch (IOException | RuntimeException e) {
            ch.close();
            ControlKey.delete(repoDir);
            throw e;
        }
        ControlServer s = new ControlServer(ch, path, repoDir, key, outsideFuse);
        s.acceptor.start();
        return s;
    }

    /** Binds {@code ch} so that its socket file appears at {@code path} already 0600 (see the comment above). */
    private static void bindPrivately(ServerSocketChannel ch, Path path) throws IOException {
        Path nursery = Files.createTempDirectory(path.getParent(), ".control-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path inside = nursery.resolve(SOCKET);
        try {
            UnixSocketPaths.with(inside, a -> ch.bind(a));
            Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
            // rename(2) replaces a stale socket of a crashed daemon in one step
            Files.move(inside, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(inside);
            Files.deleteIfExists(nursery);
        }
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

    private void serve(SocketChannel ch) {
        try (ControlChannel c = new ControlChannel(ch)) {
            String refusal = PeerCheck.refusal(ch);
            if (refusal != null) {
                log.warn("control: {}", refusal);
                c.out.writeByte(REFUSED);
                c.out.writeUTF(refusal);
                c.out.flush();
                // Take the hello before closing: a client whose hello meets a closed socket gets EPIPE, not the line.
                ch.shutdownOutput();
                c.in.readNBytes(HELLO.length + ControlKey.BYTES);
                return;
            }
            byte[] hello = c.in.readNBytes(HELLO.length);
            if (hello.length == 0) {
                return; // a probe (ControlClient.daemonServes): it only asks whether anyone listens
            }
            if (!Arrays.equals(hello, HELLO)) {
                log.warn("control: a client spoke another protocol; closed");
                return;
            }
            byte[] nonce = c.in.readNBytes(ControlKey.BYTES);
            if (nonce.length != ControlKey.BYTES) {
                return;
            }
            c.out.writeByte(PROOF);
            c.out.write(key.proof(nonce));
            c.out.flush();
            Path cwd = Path.of(c.in.readUTF());
            int argc = c.in.readInt();
            if (argc < 0 || argc > 10_000) {
                throw new IOException("bad request: " + argc + " arguments");
            }
            List<String> args = new ArrayList<>(argc);
            for (int i = 0; i < argc; i++) {
                args.add(c.in.readUTF());
            }
            run(c, cwd, args);
        } catch (IOException e) {
            log.debug("control client went away: {}", e.getMessage());
        }
    }

    /** Runs one command for the client, cancelling it when the client asks or goes away. */
    private void run(ControlChannel c, Path cwd, List<String> args) throws IOException {
        String name = args.isEmpty() ? "(no command)" : args.get(0);
        Cancellation cancel = CANCELLABLE.contains(name) ? new Cancellation(name) : null;
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> watch(c, name, cancel, done), "pactfs-control-watch");
        watcher.setDaemon(true);
        watcher.start();
        log.debug("control: running {}", name); // not the arguments: they may hold a paper key
        served.incrementAndGet();
        long start = System.nanoTime();
        PrintWriter o = new PrintWriter(new FrameWriter(c, OUT), true);
        PrintWriter e = new PrintWriter(new FrameWriter(c, ERR), true);
        int[] result = new int[1];
        int status;
        try {
            Runnable command = () -> result[0] = execute(c, cwd, args, o, e, new FrameStream(c, OUT), cancel);
            if (ReadOnlyCommands.isReadOnly(args)) {
                command.run(); // nothing the kernel caches can change: no guard, the kernel keeps its caches
            } else {
                outsideFuse.accept(command);
            }
            status = result[0];
        } finally {
            done.set(true);
        }
        o.flush();
        e.flush();
        if (cancel != null && cancel.isCancelled()) {
            status = EXIT_CANCELLED;
            log.warn("control: {} cancelled by its client, stopped after {} ms", name, (System.nanoTime() - start) / 1_000_000);
        } else if (status == Main.EXIT_STDOUT_CLOSED) {
            log.warn("control: {} stopped after {} ms: its client's stdout was closed", name,
                    (System.nanoTime() - start) / 1_000_000);
        }
        synchronized (c.out) {
            c.out.writeByte(EXIT);
            c.out.writeInt(status);
            c.out.flush();
        }
    }

    private static int execute(ControlChannel c, Path cwd, List<String> args, PrintWriter o, PrintWriter e,
                               java.io.OutputStream bin, Cancellation cancel) {
        int[] status = new int[1];
        Runnable command = () -> Progress.withEvents(new ProgressFrames(c),
                () -> Cli.withCwd(cwd, bin, () -> status[0] = Main.execute(args.toArray(String[]::new), o, e)));
        if (cancel == null) {
            command.run();
            return status[0];
        }
        try {
            cancel.call(() -> {
                command.run();
                return null;
            });
        } catch (Exception ex) {
            throw new IllegalStateException("a command escaped Main's handler", ex); // Main.execute catches all
        }
        return status[0];
    }

    /** Waits for the client's cancel (or for the connection to end) while the command runs. */
    private static void watch(ControlChannel c, String name, Cancellation cancel, AtomicBoolean done) {
        int b;
        try {
            b = c.in.read();
        } catch (IOException ex) {
            b = -1; // closed by us after EXIT, or the client is gone
        }
        if (done.get()) {
            return;
        }
        String why = b == CANCEL ? "its client was interrupted" : "its client went away";
        if (cancel != null) {
            cancel.cancel();
            log.warn("control: cancelling {}: {}", name, why);
        } else {
            log.warn("control: {} goes on to its end although {} (it cannot stop half-way)", name, why);
        }
        try {
            synchronized (c.out) {
                c.out.writeByte(cancel != null ? CANCELLING : NOT_CANCELLABLE);
                c.out.flush();
            }
        } catch (IOException ex) {
            // the client is gone: nobody to tell
        }
    }

    /** Sends a command's progress as PROGRESS frames; a client gone away only loses its bar. */
    private static final class ProgressFrames implements Progress.Events {
        private final ControlChannel c;

        ProgressFrames(ControlChannel c) {
            this.c = c;
        }

        @Override
        public void send(String task, long doneBytes, long totalBytes, boolean finished) {
            com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
            o.put("task", task);
            o.put("done_bytes", doneBytes);
            o.put("total_bytes", totalBytes);
            o.put("finished", finished);
            byte[] b = Json.line(o).getBytes(StandardCharsets.UTF_8);
            try {
                synchronized (c.out) {
                    c.out.writeByte(PROGRESS);
                    c.out.writeInt(b.length);
                    c.out.write(b);
                    c.out.flush();
                }
            } catch (IOException ex) {
                // the client is gone: its watcher cancels the command, or the command ends at its next output
            }
        }
    }

    /** Sends what a command prints as frames of one kind. */
    private static final class FrameWriter extends Writer {
        private final ControlChannel c;
        private final byte kind;

        FrameWriter(ControlChannel c, byte kind) {
            this.c = c;
            this.kind = kind;
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws IOException {
            byte[] b = new String(cbuf, off, len).getBytes(StandardCharsets.UTF_8);
            synchronized (c.out) {
                c.out.writeByte(kind);
                c.out.writeInt(b.length);
                c.out.write(b);
            }
        }

        @Override
        public void flush() throws IOException {
            synchronized (c.out) {
                c.out.flush();
            }
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }

    /**
     * Sends the bytes a command writes to the client's stdout (dump, export-tar -) as stdout frames. A failed
     * write means the client is gone (it closes the connection when its own stdout was closed): StdoutClosed
     * ends the command at once, where an IOException could be taken for a failure of the snapshot.
     */
    private static final class FrameStream extends java.io.OutputStream {
        private final ControlChannel c;
        private final byte kind;

        FrameStream(ControlChannel c, byte kind) {
            this.c = c;
            this.kind = kind;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return;
            }
            try {
                synchronized (c.out) {
                    c.out.writeByte(kind);
                    c.out.writeInt(len);
                    c.out.write(b, off, len);
                    c.out.flush();
                }
            } catch (IOException e) {
                throw new StdoutClosed(e);
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                synchronized (c.out) {
                    c.out.flush();
                }
            } catch (IOException e) {
                throw new StdoutClosed(e);
            }
        }
    }

    /** How many commands this server has run for clients. */
    long served() {
        return served.get();
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(path);
        ControlKey.delete(repoDir);
    }
}
