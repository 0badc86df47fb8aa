package dev.pactfs.cli;

/** A failure the user can act on: printed as one line, exit status 1, no stack trace. */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
