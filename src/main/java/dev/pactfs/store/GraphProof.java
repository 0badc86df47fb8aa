package dev.pactfs.store;

import java.io.IOException;

/**
 * Whether the catalog's reference graph is proven complete: every reference a live snapshot holds is recorded, so
 * a blob with refcount 0 is really garbage. A catalog rebuilt from a partner copy with an unreadable tree, a
 * missing or damaged index file it could not rebuild, or a migration in progress is marked <em>unproven</em>, and
 * while the mark stands nothing may be deleted anywhere: not by gc, prune, the full-disk collection, cache
 * eviction, nor partner prune. A refcount that is too low would otherwise free live data, at home and at the
 * partner (a missing index file once made the next gc free every data chunk).
 *
 * <p>The mark is one row of the catalog's meta table; {@code check --read-trees --repair} clears it after it has
 * decoded every tree of every snapshot and rebuilt the references from them.
 */
public final class GraphProof {

    /** Meta key; its value is why the graph is unproven. */
    static final String META_UNPROVEN = "graph.unproven";

    /** The command that proves the graph again, named in every refusal. */
    public static final String PROVE_COMMAND = "pactfs check --read-trees --repair";

    private GraphProof() {
    }

    /** Why the graph is unproven, or null when it is proven. */
    public static String unproven(Tx tx) throws IOException {
        return PartnerCatalog.meta(tx, META_UNPROVEN);
    }

    /** Marks the graph unproven for {@code reason} (kept if already marked: the first reason is the cause). */
    public static void markUnproven(Tx tx, String reason) throws IOException {
        if (unproven(tx) == null) {
            PartnerCatalog.setMeta(tx, META_UNPROVEN, reason);
        }
    }

    /** Clears the mark: the caller has just rebuilt every reference from decoded trees. */
    public static void markProven(Tx tx) throws IOException {
        PartnerCatalog.setMeta(tx, META_UNPROVEN, null);
    }

    /**
     * Throws {@link UnprovenException} when the graph is unproven.
     *
     * @param action what would have deleted something ("collect garbage", "evict local copies", ...)
     */
    public static void requireProven(Catalog catalog, String action) throws IOException {
        String why = catalog.transaction(GraphProof::unproven);
        if (why != null) {
            throw new UnprovenException("refusing to " + action + ": the catalog's references are not proven complete ("
                    + why + "); nothing is deleted until `" + PROVE_COMMAND + "` has proven them");
        }
    }

    /** A deletion refused while the graph is unproven. */
    public static final class UnprovenException extends StoreException {
        private static final long serialVersionUID = 1L;

        UnprovenException(String message) {
            super(message);
        }
    }
}
