package dev.pactfs.snapshot;

import java.io.IOException;

/** A tree blob or snapshot record whose plaintext does not parse: says which blob and what was wrong. */
public final class TreeFormatException extends IOException {

    public TreeFormatException(String message) {
        super(message);
    }
}
