package dev.pactfs.cli;

import dev.pactfs.crypto.Hmac;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

/*
 * Why a secret file: a client must know it talks to the daemon of this repo before it sends a single argument
 * (--paper-key travels as one). The socket path alone proves nothing: a process that can write the repo directory,
 * or that bound control.sock while no daemon ran, would receive the command line. The daemon writes 32 fresh random
 * bytes here at every start, readable by its own user only; the client sends a random nonce and accepts only
 * HMAC-SHA256(key, LABEL | nonce). So a listener that cannot read this file learns a nonce and nothing else.
 *
 * What the client trusts: a regular file (not a symlink), exactly 32 bytes, no group or other permission bits, owned
 * by root or by the client's own user (a root client also accepts the owner of the repo directory: a user's own
 * mount of a repo in their home). A file planted by another user fails the owner test even when its planter runs a
 * listener that answers with the right HMAC.
 */

/** The mount daemon's per-start secret, {@code <repo>/control.key}, and the proof of knowing it. */
final class ControlKey {

    static final String FILE = "control.key";
    static final int BYTES = 32;
    /** Domain separation of the proof: the key is used for nothing else, but a label costs nothing. */
    private static final byte[] LABEL = "pactfs control proof v1".getBytes(StandardCharsets.US_ASCII);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] secret;

    ControlKey(byte[] secret) {
        this.secret = secret;
    }

    /**
     * Daemon side: replaces any old key with a fresh one, created 0600 in one open(2) (the mode is an argument of
     * the create, so no other user can open it in between; a umask can only remove bits).
     */
    static ControlKey create(Path repoDir) throws IOException {
        Path p = repoDir.resolve(FILE);
        Files.deleteIfExists(p);
        byte[] s = new byte[BYTES];
        RANDOM.nextBytes(s);
        try (SeekableByteChannel ch = Files.newByteChannel(p, Set.<java.nio.file.OpenOption>of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(java.nio.ByteBuffer.wrap(s));
        }
        return new ControlKey(s);
    }

    static void delete(Path repoDir) throws IOException {
        Files.deleteIfExists(repoDir.resolve(FILE));
    }

    /**
     * Client side: the key of the daemon serving {@code repoDir}, after checking that nobody but root or this user
     * can have written it.
     *
     * @throws UserError naming what is wrong with the file
     */
    static ControlKey trusted(Path repoDir) throws UserError {
        Path p = repoDir.resolve(FILE);
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile() || a.size() != BYTES) {
                throw new UserError(p + " is not a control key (a regular file of " + BYTES + " bytes)");
            }
            Set<PosixFilePermission> loose = EnumSet.complementOf(EnumSet.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE));
            loose.retainAll(a.permissions());
            if (!loose.isEmpty()) {
                throw new UserError(p + " is readable or writable by others (" + PosixFilePermissions.toString(a.permissions())
                        + "): not the mount daemon's");
            }
            int owner = uid(p);
            long me = PeerCheck.myUid();
            if (owner != 0 && owner != me && !(me == 0 && owner == uid(repoDir))) {
                throw new UserError(p + " belongs to uid " + Integer.toUnsignedString(owner)
                        + ", neither root nor you: not the mount daemon's");
            }
            return new ControlKey(Files.readAllBytes(p));
        } catch (NoSuchFileException e) {
            throw new UserError(p.resolveSibling(ControlServer.SOCKET) + " answers but " + p + " is missing: no mount"
                    + " daemon of this repo proved itself (remove the socket if no daemon runs)");
        } catch (IOException e) {
            throw new UserError("cannot read " + p + ": " + e.getMessage() + " (the mount daemon's key; run as root)");
        }
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** What the daemon answers to the client's {@code nonce}. */
    byte[] proof(byte[] nonce) {
        return Hmac.sha256(secret, LABEL, nonce);
    }

    /** Whether {@code tag} proves knowledge of this key for {@code nonce}. */
    boolean accepts(byte[] nonce, byte[] tag) {
        return Hmac.equal(proof(nonce), tag);
    }

    static byte[] nonce() {
        byte[] n = new byte[BYTES];
        RANDOM.nextBytes(n);
        return n;
    }
}
