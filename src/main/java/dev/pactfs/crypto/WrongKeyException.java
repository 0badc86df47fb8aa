package dev.pactfs.crypto;

/** The passphrase, key file or paper key does not open this repository's key. */
public class WrongKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    public WrongKeyException(String message) {
        super(message);
    }
}
