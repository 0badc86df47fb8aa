package dev.pactfs.cli;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The reader of the user's stdout went away ({@code pactfs dump … | head -c1}): the command stops and exits
 * {@link Main#EXIT_STDOUT_CLOSED} without a word, as cat or tar killed by SIGPIPE do (the JVM ignores SIGPIPE, so
 * it arrives as an IOException). Not a failure to report: the user closed the pipe on purpose.
 */
final class StdoutClosed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StdoutClosed(IOException cause) {
        super("stdout was closed by its reader", cause);
    }

    /**
     * {@code os}, with a write to a closed pipe turned into StdoutClosed. Any other failure (a full disk behind
     * {@code > file}) stays an IOException and is reported.
     */
    static OutputStream guard(OutputStream os) {
        return new java.io.FilterOutputStream(os) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw closedOr(e);
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    out.flush();
                } catch (IOException e) {
                    throw closedOr(e);
                }
            }
        };
    }

    private static IOException closedOr(IOException e) {
        if (String.valueOf(e.getMessage()).contains("Broken pipe")) {
            throw new StdoutClosed(e);
        }
        return e;
    }
}
