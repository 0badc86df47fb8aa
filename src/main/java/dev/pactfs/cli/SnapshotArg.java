package dev.pactfs.cli;

import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.TreeEntry;
import dev.pactfs.snapshot.Trees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A {@code SNAPSHOT[:PATH]} argument resolved in a snapshot: the record, the path as given ("" for the root) and
 * its entry. Snapshot names cannot hold ':', so the first ':' separates the path.
 */
record SnapshotArg(SnapshotRecord snapshot, String path, TreeEntry entry) {

    /** The snapshot path, "/a/b" ("/" for the root), UTF-8 decoded, as ls and find print and patterns match. */
    String shown() {
        return "/" + String.join("/", Trees.components(path).stream()
                .map(n -> new String(n, StandardCharsets.UTF_8)).toList());
    }

    /** Resolves {@code arg}; one line naming what is missing when the snapshot or the path is not there. */
    static SnapshotArg resolve(SnapshotService s, String arg) throws IOException {
        int colon = arg.indexOf(':');
        String name = colon < 0 ? arg : arg.substring(0, colon);
        String path = colon < 0 ? "" : arg.substring(colon + 1);
        if (name.isEmpty()) {
            throw new UserError("'" + arg + "' names no snapshot: give SNAPSHOT or SNAPSHOT:PATH");
        }
        SnapshotRecord snap = s.get(name);
        TreeEntry root = s.trees().rootOf(snap.root());
        TreeEntry e = s.trees().walk(root, Trees.components(path));
        if (e == null) {
            throw new UserError("no path '" + path + "' in snapshot " + name);
        }
        return new SnapshotArg(snap, path, e);
    }
}
