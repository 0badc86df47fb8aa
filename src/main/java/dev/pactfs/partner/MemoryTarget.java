package dev.pactfs.partner;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link PartnerTarget} in memory, for tests. Saves are atomic by construction (one map put). */
final class MemoryTarget implements PartnerTarget {

    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    private static String key(Kind kind, String name) {
        DirectoryTarget.checkName(kind, name);
        return kind + "/" + name;
    }

    @Override
    public void save(Kind kind, String name, byte[] data) {
        files.putIfAbsent(key(kind, name), data.clone());
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        byte[] f = files.get(key(kind, name));
        if (f == null) {
            throw new NoSuchFileException(key(kind, name));
        }
        long want = length < 0 ? f.length - offset : length;
        if (offset < 0 || offset + want > f.length) {
            throw new EOFException(key(kind, name) + ": range " + offset + "+" + want + " beyond size " + f.length);
        }
        return Arrays.copyOfRange(f, (int) offset, (int) (offset + want));
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        byte[] f = files.get(key(kind, name));
        if (f == null) {
            throw new NoSuchFileException(key(kind, name));
        }
        return f.length;
    }

    @Override
    public List<String> list(Kind kind) {
        if (kind == Kind.CONFIG) {
            throw new IllegalArgumentException("list of CONFIG");
        }
        List<String> out = new ArrayList<>();
        String prefix = kind + "/";
        for (String k : files.keySet()) {
            if (k.startsWith(prefix)) {
                out.add(k.substring(prefix.length()));
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public void delete(Kind kind, String name) {
        files.remove(key(kind, name));
    }

    @Override
    public int cleanup() {
        return 0;
    }

    @Override
    public long usableSpace() {
        return -1;
    }

    @Override
    public String location() {
        return "memory";
    }

    /** Test hook: replaces a file's bytes in place (simulating damage at the partner). */
    void corrupt(Kind kind, String name, byte[] data) {
        files.put(key(kind, name), data.clone());
    }
}
