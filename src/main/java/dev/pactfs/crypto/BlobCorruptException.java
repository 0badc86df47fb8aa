package dev.pactfs.crypto;

/** A sealed blob failed authentication or is malformed: bad data, never a caller bug. */
public class BlobCorruptException extends Exception {
    private static final long serialVersionUID = 1L;

    public BlobCorruptException(String message) {
        super(message);
    }
}
