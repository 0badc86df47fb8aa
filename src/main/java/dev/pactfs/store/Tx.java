package dev.pactfs.store;

import java.sql.Connection;

/**
 * One open catalog transaction, handed to {@link Catalog.Work}. The store's table classes take it as their
 * first argument, so several of them can change the catalog atomically. Valid only inside its work.
 */
public final class Tx {

    private final Connection connection;

    Tx(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }
}
