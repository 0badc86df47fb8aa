package dev.pactfs.partner;

import dev.pactfs.store.RemoteUnavailableException;

/**
 * The partner copy cannot be written or read right now: its directory is missing (share not mounted), its
 * config names another repo, or I/O to it failed. Nothing was written under a final name. The daemon retries.
 */
public class PartnerUnavailableException extends RemoteUnavailableException {
    private static final long serialVersionUID = 1L;

    public PartnerUnavailableException(String message) {
        super(message);
    }

    public PartnerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
