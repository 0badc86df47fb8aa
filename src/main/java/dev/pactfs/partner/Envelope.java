package dev.pactfs.partner;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * The envelope every partner file (except {@code config}) is wrapped in; layout in {@code package-info.java}:
 * <pre>
 *   file   = header body footer
 *   header = magic(4) "PACT" | fileKind(1) | version(1) | reserved(2) = 0 | fileId(32, random)
 *   footer = ~magic(4) | crc32c(4) of every byte before the footer
 * </pre>
 * All integers big-endian. The file's name is the SHA-256 of all its bytes. Everything here is keyless: the host
 * checks a file with {@link #check} and the name.
 */
final class Envelope {

    private Envelope() {
    }

    /** "PACT". */
    static final int MAGIC = 0x50414354;
    /** The footer magic: the header's complement, so a footer is never mistaken for a header. */
    static final int FOOTER_MAGIC = ~MAGIC;
    /**
     * Envelope format version this build writes; it reads 1 and 2. Version 2: the sealed plaintext of an index,
     * snapshot or repo-info file is {@linkplain Padding padded}, and so is a pack's trailer.
     */
    static final int VERSION = 2;
    /** The first version whose sealed metadata is padded. */
    static final int PADDED = 2;
    /** Bytes of the header. */
    static final int HEADER = 4 + 1 + 1 + 2 + 32;
    /** Bytes of the footer. */
    static final int FOOTER = 8;
    /** Length of a file id, the AAD id of the file's own sealed metadata. */
    static final int FILE_ID = 32;

    /** File kinds (the byte after the magic). */
    static final byte PACK = 'P';
    static final byte INDEX = 'I';
    static final byte SNAPSHOT = 'S';
    static final byte REPO_INFO = 'R';
    static final byte MANIFEST = 'M';

    static void writeHeader(ByteBuffer b, byte kind, byte[] fileId) {
        b.putInt(MAGIC).put(kind).put((byte) VERSION).putShort((short) 0).put(fileId);
    }

    /** Appends the footer over {@code b}'s bytes [0, position). */
    static void writeFooter(ByteBuffer b) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt(FOOTER_MAGIC).putInt((int) crc.getValue());
    }

    /** A checked file: its kind, envelope version and id. */
    record Header(byte kind, int version, byte[] fileId) {
        boolean padded() {
            return version >= PADDED;
        }
    }

    /**
     * Checks magic, version, footer and CRC of {@code file}; {@code what} names it in messages.
     *
     * @throws PartnerCorruptException with the values found and expected
     */
    static Header check(byte[] file, String what) throws PartnerCorruptException {
        if (file.length < HEADER + FOOTER) {
            throw new PartnerCorruptException(what + ": " + file.length + " bytes, shorter than header and footer ("
                    + (HEADER + FOOTER) + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(file);
        int magic = b.getInt();
        if (magic != MAGIC) {
            throw new PartnerCorruptException(what + ": magic " + Integer.toHexString(magic) + ", expected "
                    + Integer.toHexString(MAGIC) + " (not a pactfs partner file)");
        }
        byte kind = b.get();
        int version = b.get() & 0xff;
        if (version > VERSION) {
            throw new PartnerCorruptException(what + ": format version " + version + " is newer than this pactfs reads ("
                    + VERSION + "): upgrade pactfs");
        }
        if (version < 1) {
            throw new PartnerCorruptException(what + ": format version " + version + " is too old (oldest read: 1)");
        }
        b.getShort();
        byte[] id = new byte[FILE_ID];
        b.get(id);
        int fm = ByteBuffer.wrap(file, file.length - FOOTER, 4).getInt();
        if (fm != FOOTER_MAGIC) {
            throw new PartnerCorruptException(what + ": footer magic " + Integer.toHexString(fm) + ", expected "
                    + Integer.toHexString(FOOTER_MAGIC) + " (truncated file?)");
        }
        int stored = ByteBuffer.wrap(file, file.length - 4, 4).getInt();
        CRC32C crc = new CRC32C();
        crc.update(file, 0, file.length - FOOTER);
        if ((int) crc.getValue() != stored) {
            throw new PartnerCorruptException(what + ": checksum " + Integer.toHexString((int) crc.getValue())
                    + " does not match the footer's " + Integer.toHexString(stored));
        }
        return new Header(kind, version, id);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** The file's name: hex SHA-256 of its bytes. */
    static String nameOf(byte[] file) {
        return hex(sha256(file));
    }
}
