package dev.pactfs.chunk;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/*
 * The gear table is keyed by the repo's K_cdc so that chunk boundaries, which the partner sees as
 * blob sizes, cannot be matched against the boundaries of known content. Every value comes from
 * HMAC-SHA256(K_cdc, LABEL || counter): 64 MACs of 32 bytes give the 256 big-endian longs. The label
 * keeps these MACs apart from any other use of the same key; the derivation is part of the repo
 * format (changing it changes every boundary and so breaks dedup against old data).
 */
final class GearTable {

    /** Entries, one per byte value. */
    static final int SIZE = 256;

    /** Shortest accepted seed in bytes; K_cdc itself is 32. An empty or tiny array is a caller bug. */
    static final int MIN_SEED_BYTES = 16;

    private static final byte[] LABEL = "pactfs gear table v1".getBytes(StandardCharsets.US_ASCII);

    private final long[] values;

    private GearTable(long[] values) {
        this.values = values;
    }

    /** The table for {@code seed} (K_cdc); the same seed always yields the same table. */
    static GearTable fromSeed(byte[] seed) {
        if (seed == null || seed.length < MIN_SEED_BYTES) {
            throw new IllegalArgumentException("gear seed must be at least " + MIN_SEED_BYTES + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        long[] values = new long[SIZE];
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(seed, "HmacSHA256"));
            int perMac = mac.getMacLength() / Long.BYTES;
            for (int counter = 0; counter * perMac < SIZE; counter++) {
                mac.update(LABEL);
                mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(counter).array());
                ByteBuffer out = ByteBuffer.wrap(mac.doFinal());
                for (int j = 0; j < perMac; j++) {
                    values[counter * perMac + j] = out.getLong();
                }
            }
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("unusable gear seed", e);
        } catch (GeneralSecurityException e) {
            // HmacSHA256 is mandatory in every Java SE runtime, so this is a broken JDK, not bad input.
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
        return new GearTable(values);
    }

    /** A copy of the values, for callers that keep the table in a local array in their hot loop. */
    long[] values() {
        return Arrays.copyOf(values, SIZE);
    }
}
