package dev.pactfs.store;

/** The local disk is full: the write failed, nothing committed refers to it, and it can be retried later. */
public class NoSpaceException extends StoreException {
    private static final long serialVersionUID = 1L;

    public NoSpaceException(String what, Throwable cause) {
        super("no space left on the repo's disk (" + what + ")", cause);
    }

    /** Whether {@code e} (or a cause) is the OS saying the device is full. */
    public static boolean isNoSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSpaceException || String.valueOf(t.getMessage()).contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }
}
