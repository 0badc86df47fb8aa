package dev.pactfs.store;

import java.io.IOException;

/** The local store cannot do what was asked: a message fit for the user, no stack trace needed. */
public class StoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
