package dev.pactfs.crypto;

/**
 * A recovery code could not be decoded: wrong length, a character outside the alphabet, or a typo
 * caught by a group check character or the checksum. The message says which, and where if known.
 */
public class PaperKeyFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public PaperKeyFormatException(String message) {
        super(message);
    }
}
