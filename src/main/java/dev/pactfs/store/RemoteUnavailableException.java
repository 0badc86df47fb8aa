package dev.pactfs.store;

/**
 * A blob could not be had because where it lives remotely (the partner) did not answer: a transient condition,
 * never evidence that the blob is gone. Layers above the store tell it from a missing or damaged blob by this
 * type (a tree walk aborts on it instead of counting the tree as lost).
 */
public class RemoteUnavailableException extends StoreException {
    private static final long serialVersionUID = 1L;

    public RemoteUnavailableException(String message) {
        super(message);
    }

    public RemoteUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
