package dev.pactfs.partner;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/** A {@link PartnerTarget} that adds the bytes of every load to a counter: what a command read from the partner. */
final class CountingTarget extends ForwardingTarget {

    private final LongAdder loaded;

    CountingTarget(PartnerTarget inner, LongAdder loaded) {
        super(inner);
        this.loaded = loaded;
    }

    @Override
    public byte[] load(Kind kind, String name, long offset, int length) throws IOException {
        byte[] b = inner.load(kind, name, offset, length);
        loaded.add(b.length);
        return b;
    }
}
