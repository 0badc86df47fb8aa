package dev.pactfs.partner;

import dev.pactfs.store.StoreException;

/** A file of the partner copy fails its checks (hash, envelope, lengths, AEAD tag); the message names it. */
public class PartnerCorruptException extends StoreException {
    private static final long serialVersionUID = 1L;

    public PartnerCorruptException(String message) {
        super(message);
    }
}
