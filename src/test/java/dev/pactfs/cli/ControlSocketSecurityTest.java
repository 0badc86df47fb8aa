package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Attacks on the control socket (issue 13): whoever listens at {@code <repo>/control.sock} without being the mount
 * daemon of that repo learns no argument of the command line (a --paper-key travels as one), and a local user who
 * is neither root nor the daemon's user is refused by the daemon even when the socket's modes were loosened.
 */
class ControlSocketSecurityTest {

    private static final String SECRET_ARG = "PAPER-KEY-THAT-MUST-NOT-LEAK";
    private static final int NOBODY = 65534;

    @TempDir
    Path tmp;

    /** What the planted listener knows of the repo's control key. */
    enum Plant {
        /** No control.key at all (the daemon is down and cleaned up). */
        NO_KEY(false),
        /** A root-owned key left by a crashed daemon, whose content the listener cannot read. */
        STALE_KEY_UNKNOWN_TO_IT(false),
        /** A key file the attacker planted and owns: the listener answers with the right HMAC. */
        KEY_OWNED_BY_ANOTHER_USER(true),
        /** A root-owned key with loose modes (its content may have leaked): the right HMAC again. */
        KEY_READABLE_BY_OTHERS(true);

        final boolean listenerKnowsKey;

        Plant(boolean listenerKnowsKey) {
            this.listenerKnowsKey = listenerKnowsKey;
        }
    }

    @ParameterizedTest
    @EnumSource(Plant.class)
    void aFakeListenerAtTheSocketReceivesNoArgument(Plant plant) throws Exception {
        Path repo = Files.createDirectory(tmp.resolve("repo"));
        byte[] secret = new byte[ControlKey.BYTES];
        new SecureRandom().nextBytes(secret);
        Path keyFile = repo.resolve(ControlKey.FILE);
        switch (plant) {
            case NO_KEY -> { }
            case STALE_KEY_UNKNOWN_TO_IT -> ControlKey.create(repo);
            case KEY_OWNED_BY_ANOTHER_USER -> {
                assumeRoot();
                Files.write(keyFile, secret);
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
                Files.setAttribute(keyFile, "unix:uid", NOBODY);
            }
            case KEY_READABLE_BY_OTHERS -> {
                Files.write(keyFile, secret);
                Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-r--r--"));
            }
            default -> throw new AssertionError(plant);
        }
        try (ServerSocketChannel fake = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            fake.bind(UnixDomainSocketAddress.of(repo.resolve(ControlServer.SOCKET)));
            CompletableFuture<byte[]> heard = CompletableFuture.supplyAsync(() -> listen(fake,
                    plant.listenerKnowsKey ? new ControlKey(secret) : null));

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Integer exit = ControlClient.tryForward(new String[] {"restore", "--repo", repo.toString(),
                "--paper-key", SECRET_ARG, "latest", tmp.resolve("target").toString()},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            byte[] got = heard.get(30, TimeUnit.SECONDS);
            String text = new String(got, StandardCharsets.ISO_8859_1);
            assertFalse(text.contains(SECRET_ARG), "the fake listener learned the paper key");
            assertFalse(text.contains("restore"), "the fake listener learned the command");
            assertEquals(ControlServer.HELLO.length + ControlKey.BYTES, got.length,
                    "the fake listener may hear the hello and the nonce, nothing more");
            assertNotNull(exit, "a socket that answers is not 'no daemon': the client must not run the command itself");
            assertEquals(Main.EXIT_USER_ERROR, exit.intValue());
            String e = err.toString(StandardCharsets.UTF_8);
            assertEquals(1, e.strip().lines().count(), "one line: " + e);
            assertTrue(e.startsWith("pactfs: ") && e.contains(repo.toString()), e);
        }
    }

    /** The planted listener: answers the hello (rightly when it knows the key), then records all it receives. */
    private static byte[] listen(ServerSocketChannel fake, ControlKey known) {
        try (SocketChannel c = fake.accept()) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            ByteBuffer hello = ByteBuffer.allocate(ControlServer.HELLO.length + ControlKey.BYTES);
            while (hello.hasRemaining() && c.read(hello) >= 0) {
                // the client's hello and nonce
            }
            all.write(hello.array(), 0, hello.position());
            byte[] nonce = java.util.Arrays.copyOfRange(hello.array(), ControlServer.HELLO.length, hello.position());
            byte[] tag = new byte[32];
            if (known != null) {
                tag = known.proof(nonce);
            } else {
                new SecureRandom().nextBytes(tag);
            }
            ByteBuffer answer = ByteBuffer.allocate(1 + tag.length).put(ControlServer.PROOF).put(tag).flip();
            while (answer.hasRemaining()) {
                c.write(answer);
            }
            ByteBuffer rest = ByteBuffer.allocate(1 << 16);
            int n;
            while ((n = c.read(rest)) >= 0) { // until the client closes
                all.write(rest.array(), 0, n);
                rest.clear();
            }
            return all.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theDaemonProvesItselfAndLeavesOnlyPrivateFiles() throws Exception {
        Path repo = Files.createDirectory(tmp.resolve("repo"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ControlServer server = ControlServer.start(repo)) {
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(repo.resolve(ControlServer.SOCKET))));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(repo.resolve(ControlKey.FILE))));
            try (Stream<Path> s = Files.list(repo)) {
                assertEquals(List.of(ControlKey.FILE, ControlServer.SOCKET),
                        s.map(p -> p.getFileName().toString()).sorted().toList(), "no bind directory is left behind");
            }
            Integer exit = ControlClient.tryForward(new String[] {"check", "--repo", repo.toString(), "--help"},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, exit, "stderr: " + err);
        }
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("Usage: pactfs check"), "relayed: " + out);
        try (Stream<Path> s = Files.list(repo)) {
            assertEquals(0, s.count(), "close removes the socket and the key");
        }
    }

    @Test
    void aPeerThatIsNeitherRootNorTheDaemonsUserIsRefused() throws Exception {
        assumeRoot();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv to run as nobody");
        // A place nobody can reach, with the socket's own defences loosened as a careless admin might.
        Path open = Files.createTempDirectory(Path.of("/tmp"), "pactfs-peer-");
        try {
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path repo = Files.createDirectory(open.resolve("repo"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            Path peer = open.resolve("RawPeer.java");
            Files.writeString(peer, RAW_PEER);
            try (ControlServer server = ControlServer.start(repo)) {
                Path sock = repo.resolve(ControlServer.SOCKET);
                Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
                String java = ProcessHandle.current().info().command().orElseThrow();
                Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                        "--clear-groups", java, peer.toString(), sock.toString())
                        .redirectErrorStream(true).start();
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the raw peer hung");
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(said.contains("connected as 65534"), "the peer must reach the socket: " + said);
                assertTrue(said.contains("kind " + ControlServer.REFUSED + ": the mount daemon serves only root"),
                        "refused in one line, no proof: " + said);
                assertTrue(said.contains("not nobody") || said.contains("not 65534"), said);

                // root is still served
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                Integer exit = ControlClient.tryForward(new String[] {"check", "--repo", repo.toString(), "--help"},
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
                assertEquals(0, exit, "stderr: " + err);
            }
        } finally {
            try (Stream<Path> s = Files.walk(open)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void theDaemonsAnswerIsTheHmacOfItsKey() throws Exception {
        Path repo = Files.createDirectory(tmp.resolve("repo"));
        try (ControlServer server = ControlServer.start(repo)) {
            byte[] nonce = ControlKey.nonce();
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(repo.resolve(ControlServer.SOCKET)))) {
                ByteBuffer hello = ByteBuffer.allocate(36).put(ControlServer.HELLO).put(nonce).flip();
                c.write(hello);
                ByteBuffer answer = ByteBuffer.allocate(33);
                while (answer.hasRemaining() && c.read(answer) >= 0) {
                    // a root peer gets the proof
                }
                assertEquals(ControlServer.PROOF, answer.get(0));
                byte[] tag = java.util.Arrays.copyOfRange(answer.array(), 1, 33);
                assertArrayEquals(ControlKey.trusted(repo).proof(nonce), tag, "the proof is the HMAC under control.key");
            }
        }
    }

    private static void assumeRoot() {
        Assumptions.assumeTrue(PeerCheck.myUid() == 0, "needs root to act as another user");
    }

    /** Connects, says hello, prints what the daemon answers. Run as nobody. */
    private static final String RAW_PEER = """
            import java.io.*;
            import java.net.*;
            import java.nio.channels.*;
            public class RawPeer {
                public static void main(String[] a) throws Exception {
                    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(a[0]))) {
                        System.out.println("connected as " + new com.sun.security.auth.module.UnixSystem().getUid());
                        DataOutputStream o = new DataOutputStream(Channels.newOutputStream(c));
                        o.write("PCS1".getBytes("US-ASCII"));
                        o.write(new byte[32]);
                        o.flush();
                        DataInputStream in = new DataInputStream(Channels.newInputStream(c));
                        int kind = in.read();
                        System.out.println("kind " + kind + ": " + (kind == 5 ? in.readUTF() : "(no refusal)"));
                        System.out.println("rest " + in.readAllBytes().length + " bytes");
                    }
                }
            }
            """;
}
