package dev.pactfs.crypto;

import java.io.IOException;

/** A key file was written by a newer pactfs, in a format version this one cannot read: upgrade pactfs. */
public class KeyFileTooNewException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyFileTooNewException(String message) {
        super(message);
    }
}
