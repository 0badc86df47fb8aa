package dev.pactfs.cli;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * Who may use the control socket: root and the daemon's own user, as the kernel reports the peer
 * ({@code SO_PEERCRED}, the credentials the client had when it connected; they cannot be forged by the client).
 * The socket file is 0600 in the 0700 repo directory, so only they can connect anyway; this check still holds when
 * those modes are loosened by mistake (a repo restored with 0755, a socket chmod'ed by hand).
 */
final class PeerCheck {

    private PeerCheck() {
    }

    /** This process's real uid. */
    static long myUid() {
        return new com.sun.security.auth.module.UnixSystem().getUid();
    }

    /** Null when the peer of {@code c} may be served, else the one line that tells it why not. */
    static String refusal(SocketChannel c) {
        UnixDomainPrincipal peer;
        try {
            peer = c.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException e) {
            return "the mount daemon cannot tell who you are (" + e.getMessage() + "): refused";
        }
        try {
            UserPrincipalLookupService users = FileSystems.getDefault().getUserPrincipalLookupService();
            // a numeric name is looked up as that uid; principals compare by uid
            UserPrincipal root = users.lookupPrincipalByName("0");
            UserPrincipal me = users.lookupPrincipalByName(Long.toString(myUid()));
            if (peer.user().equals(root) || peer.user().equals(me)) {
                return null;
            }
            String served = me.equals(root) ? "root" : "root and " + me.getName();
            return "the mount daemon serves only " + served + ", not " + peer.user().getName() + ": refused";
        } catch (IOException e) {
            return "the mount daemon cannot look up users (" + e.getMessage() + "): refused";
        }
    }
}
