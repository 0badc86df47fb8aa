package dev.pactfs.crypto;

import java.io.IOException;

/**
 * A key file is not a pactfs key file, or its checksum does not match: the file was damaged, not the
 * passphrase mistyped. Restore it from a backup copy, or recover with the paper key.
 */
public class KeyFileDamagedException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyFileDamagedException(String message) {
        super(message);
    }
}
