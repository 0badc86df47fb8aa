package dev.pactfs.fs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of open files: at most one {@link OpenFile} per inode, shared by all its handles and counted
 * by them. Thread-safe (every method synchronises on the registry). Lock order: an OpenFile's lock, then the
 * registry; never the other way round.
 */
final class OpenFiles {

    private final Map<Long, OpenFile> byIno = new HashMap<>();

    interface Factory {
        OpenFile create(long ino) throws java.io.IOException;
    }

    /** The inode's open file, created if needed, with one more handle counted. */
    synchronized OpenFile acquire(long ino, Factory factory) throws java.io.IOException {
        OpenFile of = byIno.get(ino);
        if (of == null) {
            of = factory.create(ino);
            byIno.put(ino, of);
        }
        of.handles++;
        return of;
    }

    /** The inode's open file, or null when no handle has it open. */
    synchronized OpenFile peek(long ino) {
        return byIno.get(ino);
    }

    /** One handle less; true when it was the last (the file is then no longer registered). Caller holds of.lock. */
    synchronized boolean release(OpenFile of) {
        of.handles--;
        if (of.handles <= 0) {
            byIno.remove(of.ino);
            return true;
        }
        return false;
    }

    synchronized boolean isOpen(long ino) {
        return byIno.containsKey(ino);
    }

    synchronized List<OpenFile> all() {
        return new ArrayList<>(byIno.values());
    }
}
