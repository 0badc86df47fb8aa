package dev.pactfs.snapshot;

import dev.pactfs.store.StoreException;

/** A snapshot operation the user asked for that cannot be done (unknown name, bad name, bad policy). */
public final class SnapshotException extends StoreException {

    public SnapshotException(String message) {
        super(message);
    }
}
