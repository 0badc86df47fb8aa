package dev.pactfs.partner;

import java.io.IOException;
import java.util.List;

/**
 * A {@link PartnerTarget} that hands every verb to another one: the base of the wrappers (ownership guard,
 * bandwidth cap) and of test doubles, which override only the verbs they change.
 */
abstract class ForwardingTarget implements PartnerTarget {

    protected final PartnerTarget inner;

    protected ForwardingTarget(PartnerTarget inner) {
        this.inner = inner;
    }

    @Override
    public void save(Kind kind, String name, byte[] data) throws IOException {
        inner.save(kind, name, data);
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        return inner.load(kind, name, offset, length);
    }

    @Override
    public long stat(Kind kind, String name) throws IOException {
        return inner.stat(kind, name);
    }

    @Override
    public List<String> list(Kind kind) throws IOException {
        return inner.list(kind);
    }

    @Override
    public java.util.SortedMap<String, Long> sizes(Kind kind) throws IOException {
        return inner.sizes(kind);
    }

    @Override
    public void delete(Kind kind, String name) throws IOException {
        inner.delete(kind, name);
    }

    @Override
    public int cleanup() throws IOException {
        return inner.cleanup();
    }

    @Override
    public long usableSpace() throws IOException {
        return inner.usableSpace();
    }

    @Override
    public ManifestHead manifestHead() throws IOException {
        return inner.manifestHead();
    }

    @Override
    public byte[] challenge(Kind kind, String name, long offset, int length, byte[] nonce) throws IOException {
        return inner.challenge(kind, name, offset, length, nonce);
    }

    @Override
    public String location() {
        return inner.location();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
