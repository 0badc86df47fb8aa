package dev.pactfs.partner;

/**
 * An operation on the partner directory did not return within its deadline: a hard NFS mount whose server went
 * away, a stalled SSHFS. The operation's thread is abandoned (it may still be blocked in the kernel); the pass
 * fails and the daemon retries with its usual backoff.
 */
public class PartnerTimeoutException extends PartnerUnavailableException {
    private static final long serialVersionUID = 1L;

    public PartnerTimeoutException(String message) {
        super(message);
    }
}
