package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ChunkId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Index, snapshot and repo-info files: one sealed blob in an envelope (layouts in {@code package-info.java}).
 * <pre>
 *   index     = header('I') packName(32) seal(INDEX, fileId, indexPlain) footer
 *   indexPlain= 'I' | version(1) | packName(32) | packSize(8) | count(4) | ientry*
 *   ientry    = id(32) | kind(1) | offset(8) | length(4) | plainSize(4) | childCount(4) | (child(32) | n(4))*
 *   snapshot  = header('S') seal(SNAPSHOT, fileId, SnapshotRecord.encode()) footer   (the snapshot layer's record)
 *   repoInfo  = header('R') seal(INDEX, fileId, 'R' | version(1) | str repoId | chunkMin(4) | chunkAvg(4)
 *               | chunkMax(4) | repoFormat(4)) footer
 *   str       = length(2) | UTF-8 bytes;  optstr = present(1) [str]
 * </pre>
 */
final class MetaFiles {

    static final int META_VERSION = 1;

    private MetaFiles() {
    }

    /** One index entry: where a blob is in the pack, and (for tree blobs) the blobs it references. */
    record IndexEntry(ChunkId id, int kind, long offset, int length, int plainSize, Map<ChunkId, Integer> children) {
    }

    /** A decoded index file. */
    record Index(byte[] packName, long packSize, List<IndexEntry> entries) {
    }

    /** Decoded repo info: what recover needs to make a new local config. */
    record RepoInfo(String repoId, int chunkMin, int chunkAvg, int chunkMax, int repoFormat) {
    }

    /** A built file and its name. */
    record Built(byte[] bytes, String name) {
    }

    // ---- writing ----

    static Built index(BlobCipher cipher, SecureRandom random, Index index) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write('I');
            o.write(META_VERSION);
            o.write(index.packName());
            o.writeLong(index.packSize());
            o.writeInt(index.entries().size());
            for (IndexEntry e : index.entries()) {
                o.write(e.id().toBytes());
                o.write(e.kind());
                o.writeLong(e.offset());
                o.writeInt(e.length());
                o.writeInt(e.plainSize());
                o.writeInt(e.children().size());
                for (Map.Entry<ChunkId, Integer> c : e.children().entrySet()) {
                    o.write(c.getKey().toBytes());
                    o.writeInt(c.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return envelope(cipher, random, Envelope.INDEX, BlobType.INDEX, index.packName(), bo.toByteArray());
    }

    /** A snapshot record file around {@code record}, the snapshot layer's encoded record. */
    static Built snapshot(BlobCipher cipher, SecureRandom random, byte[] record) {
        return envelope(cipher, random, Envelope.SNAPSHOT, BlobType.SNAPSHOT, null, record);
    }

    static Built repoInfo(BlobCipher cipher, SecureRandom random, RepoInfo r) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write('R');
            o.write(META_VERSION);
            str(o, r.repoId());
            o.writeInt(r.chunkMin());
            o.writeInt(r.chunkAvg());
            o.writeInt(r.chunkMax());
            o.writeInt(r.repoFormat());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return envelope(cipher, random, Envelope.REPO_INFO, BlobType.INDEX, null, bo.toByteArray());
    }

    private static void str(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xffff) {
            throw new IllegalArgumentException("string too long for a partner record: " + b.length + " bytes");
        }
        o.writeShort(b.length);
        o.write(b);
    }

    static Built envelope(BlobCipher cipher, SecureRandom random, byte kind, BlobType type, byte[] plainPrefix,
                          byte[] plain) {
        byte[] fileId = new byte[Envelope.FILE_ID];
        random.nextBytes(fileId);
        byte[] sealed = cipher.seal(type, fileId, Padding.pad(plain));
        int prefix = plainPrefix == null ? 0 : plainPrefix.length;
        ByteBuffer b = ByteBuffer.allocate(Envelope.HEADER + prefix + sealed.length + Envelope.FOOTER);
        Envelope.writeHeader(b, kind, fileId);
        if (plainPrefix != null) {
            b.put(plainPrefix);
        }
        b.put(sealed);
        Envelope.writeFooter(b);
        byte[] bytes = b.array();
        return new Built(bytes, Envelope.nameOf(bytes));
    }

    // ---- reading ----

    /** The keyless part of an index file: the name of the pack it describes (for scrub-hosted). */
    static byte[] indexPackName(byte[] file, String what) throws PartnerCorruptException {
        Envelope.Header h = Envelope.check(file, what);
        if (h.kind() != Envelope.INDEX || file.length < Envelope.HEADER + 32 + Envelope.FOOTER) {
            throw new PartnerCorruptException(what + ": not an index file (kind '" + (char) h.kind() + "')");
        }
        return Arrays.copyOfRange(file, Envelope.HEADER, Envelope.HEADER + 32);
    }

    /** The envelope's kind byte, after a keyless check. */
    static byte kindOf(byte[] file, String what) throws PartnerCorruptException {
        return Envelope.check(file, what).kind();
    }

    static Index readIndex(BlobCipher cipher, byte[] file, String what) throws PartnerCorruptException {
        byte[] packName = indexPackName(file, what);
        return decodeIndex(open(cipher, file, BlobType.INDEX, Envelope.HEADER + 32, what), packName, what);
    }

    /** The plaintext of an index file (what decrypted fine, which a fuzz test feeds malformed). */
    static Index decodeIndex(byte[] plain, byte[] packName, String what) throws PartnerCorruptException {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            expectTag(b, 'I', what);
            byte[] inner = new byte[32];
            b.get(inner);
            if (!Arrays.equals(inner, packName)) {
                throw new PartnerCorruptException(what + ": the plaintext pack name does not match the sealed one");
            }
            long packSize = b.getLong();
            int count = b.getInt();
            if (count < 0 || count > b.remaining() / PackFile.ENTRY) {
                throw new PartnerCorruptException(what + ": " + count + " entries do not fit " + b.remaining() + " bytes");
            }
            List<IndexEntry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] id = new byte[32];
                b.get(id);
                int kind = b.get();
                long offset = b.getLong();
                int length = b.getInt();
                int plainSize = b.getInt();
                int nc = b.getInt();
                if (nc < 0 || nc > b.remaining() / 36) {
                    throw new PartnerCorruptException(what + ": entry " + i + " claims " + nc + " children");
                }
                Map<ChunkId, Integer> children = new LinkedHashMap<>();
                for (int c = 0; c < nc; c++) {
                    byte[] cid = new byte[32];
                    b.get(cid);
                    children.put(ChunkId.of(cid), b.getInt());
                }
                if (offset < Envelope.HEADER || length < BlobCipher.OVERHEAD || offset > packSize - length
                        || plainSize < 0) {
                    throw new PartnerCorruptException(what + ": entry " + i + " offset " + offset + " length " + length
                            + " plain size " + plainSize + " outside a pack of " + packSize + " bytes");
                }
                entries.add(new IndexEntry(ChunkId.of(id), kind, offset, length, plainSize, children));
            }
            if (b.hasRemaining()) {
                throw new PartnerCorruptException(what + ": " + b.remaining() + " bytes after the last entry");
            }
            return new Index(packName, packSize, entries);
        } catch (BufferUnderflowException e) {
            throw new PartnerCorruptException(what + ": index ends early");
        }
    }

    /** The encoded snapshot record inside a snapshot file (decode with the snapshot layer's SnapshotRecord). */
    static byte[] readSnapshot(BlobCipher cipher, byte[] file, String what) throws PartnerCorruptException {
        Envelope.Header h = Envelope.check(file, what);
        if (h.kind() != Envelope.SNAPSHOT) {
            throw new PartnerCorruptException(what + ": not a snapshot record (kind '" + (char) h.kind() + "')");
        }
        return open(cipher, file, BlobType.SNAPSHOT, Envelope.HEADER, what);
    }

    static RepoInfo readRepoInfo(BlobCipher cipher, byte[] file, String what) throws PartnerCorruptException {
        Envelope.Header h = Envelope.check(file, what);
        if (h.kind() != Envelope.REPO_INFO) {
            throw new PartnerCorruptException(what + ": not a repo info file (kind '" + (char) h.kind() + "')");
        }
        return decodeRepoInfo(open(cipher, file, BlobType.INDEX, Envelope.HEADER, what), what);
    }

    /** The plaintext of a repo info file. */
    static RepoInfo decodeRepoInfo(byte[] plain, String what) throws PartnerCorruptException {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            expectTag(b, 'R', what);
            return new RepoInfo(str(b), b.getInt(), b.getInt(), b.getInt(), b.getInt());
        } catch (BufferUnderflowException e) {
            throw new PartnerCorruptException(what + ": repo info ends early");
        }
    }

    /**
     * Opens the sealed blob between {@code from} and the footer (the AAD id is the file id) and, from envelope
     * version 2, removes its padding.
     */
    private static byte[] open(BlobCipher cipher, byte[] file, BlobType type, int from, String what)
            throws PartnerCorruptException {
        Envelope.Header h = Envelope.check(file, what);
        byte[] plain;
        try {
            plain = cipher.open(type, h.fileId(), file, from, file.length - Envelope.FOOTER - from);
        } catch (BlobCorruptException e) {
            throw new WrongKeyOrCorrupt(what + ": does not decrypt (" + e.getMessage() + "): corrupt, or not this repo's key");
        }
        return h.padded() ? Padding.unpad(plain, what) : plain;
    }

    /** A sealed partner file failed authentication: damaged, or a key that is not this repo's. */
    static final class WrongKeyOrCorrupt extends PartnerCorruptException {
        private static final long serialVersionUID = 1L;

        WrongKeyOrCorrupt(String message) {
            super(message);
        }
    }

    private static void expectTag(ByteBuffer b, char tag, String what) throws PartnerCorruptException {
        int t = b.get();
        int v = b.get() & 0xff;
        if (t != tag) {
            throw new PartnerCorruptException(what + ": record tag '" + (char) t + "', expected '" + tag + "'");
        }
        if (v != META_VERSION) {
            throw new PartnerCorruptException(what + ": record version " + v + (v > META_VERSION
                    ? " is newer than this pactfs reads (" + META_VERSION + "): upgrade pactfs" : " is unknown"));
        }
    }

    private static String str(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }
}
