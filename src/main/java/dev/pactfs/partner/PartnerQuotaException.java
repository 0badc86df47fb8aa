package dev.pactfs.partner;

/**
 * The partner refused an upload because the tenant's quota is full (a {@code pactfs serve} host, HTTP 507). The
 * message starts "partner quota full", which {@code status} and {@code replicate} show as it is. Nothing at home
 * is lost or blocked: the pass stops and the next one retries once the host has room.
 */
public class PartnerQuotaException extends PartnerUnavailableException {
    private static final long serialVersionUID = 1L;

    public PartnerQuotaException(String message) {
        super(message);
    }
}
