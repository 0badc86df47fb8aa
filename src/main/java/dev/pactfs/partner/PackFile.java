package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A pack at the partner: sealed blobs back to back, then their encrypted trailer.
 * <pre>
 *   pack    = header(fileKind 'P') blob* sealedTrailer trailerLength(4) footer
 *   blob    = the blob's sealed bytes exactly as the local store holds them (AAD = blob type + blob id)
 *   sealedTrailer = seal(PACK_TRAILER, id = fileId, trailer)
 *   trailer = version(1) = 1 | count(4) | entry*
 *   entry   = id(32) | kind(1) | offset(8, from the start of the file) | length(4) | plainSize(4)
 * </pre>
 */
final class PackFile {

    /** Trailer format version. */
    static final int TRAILER_VERSION = 1;
    /** Bytes of one trailer entry. */
    static final int ENTRY = 32 + 1 + 8 + 4 + 4;
    /** Largest pack a reader accepts (bytes): 64 MiB target maximum plus slack for one oversize blob. */
    static final long MAX_PACK_BYTES = 80L << 20;

    private PackFile() {
    }

    /** One blob in a pack. */
    record Entry(ChunkId id, int kind, long offset, int length, int plainSize) {
    }

    /** A blob to pack: its sealed bytes. */
    record Blob(ChunkId id, int kind, int plainSize, byte[] sealed) {
    }

    /** A built pack: its bytes, name and entries. */
    record Built(byte[] bytes, String name, List<Entry> entries) {
    }

    static Built build(BlobCipher cipher, List<Blob> blobs, SecureRandom random) {
        byte[] fileId = new byte[Envelope.FILE_ID];
        random.nextBytes(fileId);
        List<Entry> entries = new ArrayList<>(blobs.size());
        long offset = Envelope.HEADER;
        for (Blob b : blobs) {
            entries.add(new Entry(b.id(), b.kind(), offset, b.sealed().length, b.plainSize()));
            offset += b.sealed().length;
        }
        ByteBuffer t = ByteBuffer.allocate(5 + ENTRY * entries.size());
        t.put((byte) TRAILER_VERSION).putInt(entries.size());
        for (Entry e : entries) {
            t.put(e.id().toBytes()).put((byte) e.kind()).putLong(e.offset()).putInt(e.length()).putInt(e.plainSize());
        }
        byte[] sealedTrailer = cipher.seal(BlobType.PACK_TRAILER, fileId, Padding.pad(t.array()));
        long total = offset + sealedTrailer.length + 4 + Envelope.FOOTER;
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(total));
        Envelope.writeHeader(b, Envelope.PACK, fileId);
        for (Blob blob : blobs) {
            b.put(blob.sealed());
        }
        b.put(sealedTrailer).putInt(sealedTrailer.length);
        Envelope.writeFooter(b);
        byte[] bytes = b.array();
        return new Built(bytes, Envelope.nameOf(bytes), entries);
    }

    /**
     * Parses a whole pack: envelope, trailer (opened with {@code cipher}), and every entry's bounds.
     *
     * @throws PartnerCorruptException naming {@code what} and the values that do not fit
     */
    static List<Entry> parse(BlobCipher cipher, byte[] file, String what) throws PartnerCorruptException {
        Envelope.Header h = Envelope.check(file, what);
        if (h.kind() != Envelope.PACK) {
            throw new PartnerCorruptException(what + ": file kind '" + (char) h.kind() + "', expected 'P' (pack)");
        }
        int end = file.length - Envelope.FOOTER;
        int trailerLen = ByteBuffer.wrap(file, end - 4, 4).getInt();
        int trailerStart = end - 4 - trailerLen;
        if (trailerLen < BlobCipher.OVERHEAD + 5 || trailerStart < Envelope.HEADER) {
            throw new PartnerCorruptException(what + ": trailer length " + trailerLen + " does not fit a file of "
                    + file.length + " bytes");
        }
        byte[] plain;
        try {
            plain = cipher.open(BlobType.PACK_TRAILER, h.fileId(), file, trailerStart, trailerLen);
        } catch (BlobCorruptException e) {
            throw new PartnerCorruptException(what + ": trailer does not decrypt (" + e.getMessage()
                    + "): corrupt, or not this repo's key");
        }
        return parseTrailer(h.padded() ? Padding.unpad(plain, what + " trailer") : plain, trailerStart, what);
    }

    static List<Entry> parseTrailer(byte[] plain, long blobsEnd, String what) throws PartnerCorruptException {
        if (plain.length < 5) {
            // Found by PartnerParsersFuzzTest (packTrailerPlain/trailer-empty): an empty trailer underflowed.
            throw new PartnerCorruptException(what + ": trailer of " + plain.length + " bytes is shorter than its header");
        }
        ByteBuffer t = ByteBuffer.wrap(plain);
        int version = t.get() & 0xff;
        if (version != TRAILER_VERSION) {
            throw new PartnerCorruptException(what + ": trailer version " + version + ", this pactfs reads "
                    + TRAILER_VERSION);
        }
        int count = t.getInt();
        if (count < 0 || (long) count * ENTRY != plain.length - 5) {
            throw new PartnerCorruptException(what + ": trailer says " + count + " entries but holds "
                    + (plain.length - 5) + " bytes of entries");
        }
        List<Entry> out = new ArrayList<>(count);
        long expect = Envelope.HEADER;
        for (int i = 0; i < count; i++) {
            byte[] id = new byte[32];
            t.get(id);
            Entry e = new Entry(ChunkId.of(id), t.get(), t.getLong(), t.getInt(), t.getInt());
            if (e.offset() != expect || e.length() < BlobCipher.OVERHEAD || e.offset() + e.length() > blobsEnd
                    || e.plainSize() < 0) {
                throw new PartnerCorruptException(what + ": trailer entry " + i + " at offset " + e.offset()
                        + " length " + e.length() + " does not fit (expected offset " + expect + ", blobs end at "
                        + blobsEnd + ")");
            }
            expect += e.length();
            out.add(e);
        }
        if (expect != blobsEnd) {
            throw new PartnerCorruptException(what + ": blobs end at " + expect + " but the trailer starts at " + blobsEnd);
        }
        return out;
    }

    /** Checks a freshly built pack by parsing it back (the writer does not trust its own output). */
    static void verifyBuilt(BlobCipher cipher, Built built, List<Blob> blobs) throws PartnerCorruptException {
        List<Entry> parsed = parse(cipher, built.bytes(), "new pack " + built.name());
        if (!parsed.equals(built.entries())) {
            throw new PartnerCorruptException("new pack " + built.name() + ": parsed trailer differs from what was written");
        }
        for (int i = 0; i < blobs.size(); i++) {
            Entry e = parsed.get(i);
            if (!Arrays.equals(built.bytes(), (int) e.offset(), (int) e.offset() + e.length(),
                    blobs.get(i).sealed(), 0, blobs.get(i).sealed().length)) {
                throw new PartnerCorruptException("new pack " + built.name() + ": blob " + e.id() + " differs from its source");
            }
        }
        if (!Envelope.nameOf(built.bytes()).equals(built.name())) {
            throw new PartnerCorruptException("new pack " + built.name() + ": name is not the hash of its bytes");
        }
    }
}
