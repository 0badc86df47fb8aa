package dev.pactfs.partner;

import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobCorruptException;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.ManifestKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * A manifest file ({@code manifests/<name>}, kind 'M'): the signed, numbered statement of what the partner copy
 * holds. Layout (docs/format.md, "Manifest"):
 * <pre>
 *   file      = header('M', fileId) | clearLen(4) | clear | signature(64) | seal(MANIFEST, fileId, body) | footer
 *   clear     = 'M' | version(1) | str repoId | seq(8) | timeMs(8) | prev(32) | root(32) | objects(8) | bytes(8)
 *               | bodyKind(1) | bodyHash(32) | publicKey(32)
 *   signature = Ed25519(K_sign, "pactfs manifest v1" | fileId | clear)
 *   body      = 'B' | version(1) | bodyKind(1) | records(4) | (file(32) | timeMs(8) | str name)*
 *               | checkpoint: count(4) | obj*     delta: removed(4) | obj* | added(4) | obj*
 *   obj       = kind(1) | name(32) | size(8)
 * </pre>
 * The clear part and its signature need no secret to check; the body (snapshot names) is sealed.
 */
final class Manifest {

    static final int VERSION = 1;
    static final byte CHECKPOINT = 1;
    static final byte DELTA = 2;
    /** Domain separation of the signed message. */
    static final byte[] SIGNING_CONTEXT = "pactfs manifest v1".getBytes(StandardCharsets.US_ASCII);
    /** Bytes of one obj entry. */
    static final int OBJ_BYTES = 1 + 32 + 8;
    /** Upper bound of the clear part (repo id at most 1024 bytes): what a header-only read loads. */
    static final int MAX_CLEAR = 2 + 2 + 1024 + 8 + 8 + 32 + 32 + 8 + 8 + 1 + 32 + 32;

    private Manifest() {
    }

    /** A file the manifest lists: kind 'P', 'I', 'R' or 'S', name (64 hex), size in bytes. */
    record Obj(char kind, String name, long size) {
    }

    /** A live snapshot record: its file name and the snapshot's name and time. */
    record Record(String file, String name, long timeMs) {
    }

    /** The signed clear part. {@code prev} is the previous manifest's name, 64 zeros for the first. */
    record Header(String repoId, long seq, long timeMs, String prev, byte[] root, long objects, long bytes,
                  byte bodyKind, byte[] bodyHash, byte[] publicKey) {
        boolean checkpoint() {
            return bodyKind == CHECKPOINT;
        }
    }

    /** The sealed part: live records, and the full list (checkpoint) or the change since {@code prev} (delta). */
    record Body(byte kind, List<Record> records, List<Obj> objects, List<Obj> removed, List<Obj> added) {
    }

    /** A manifest whose header checked out: its name, file id and header. */
    record Signed(String name, byte[] fileId, Header header) {
    }

    /** A built manifest file and its name. */
    record Built(byte[] bytes, String name) {
    }

    static final String NO_PREV = "0".repeat(64);

    /** The root hash: SHA-256 over name(32) | size(8) of every object in ascending name order. */
    static byte[] root(Collection<Obj> objects) {
        List<Obj> sorted = new ArrayList<>(objects);
        sorted.sort((a, b) -> a.name().compareTo(b.name()));
        MessageDigest d = sha256();
        ByteBuffer b = ByteBuffer.allocate(40);
        for (Obj o : sorted) {
            b.clear();
            b.put(HexFormat.of().parseHex(o.name())).putLong(o.size());
            d.update(b.array());
        }
        return d.digest();
    }

    // ---- writing ----

    static Built write(BlobCipher cipher, ManifestKey key, SecureRandom random, String repoId, long seq, long timeMs,
                       String prev, byte[] root, long objects, long bytes, Body body) {
        byte[] fileId = new byte[Envelope.FILE_ID];
        random.nextBytes(fileId);
        byte[] sealed = cipher.seal(BlobType.MANIFEST, fileId, encodeBody(body));
        Header h = new Header(repoId, seq, timeMs, prev, root, objects, bytes, body.kind(), sha256().digest(sealed),
                key.publicKey());
        byte[] clear = encodeHeader(h);
        byte[] sig = key.sign(signedMessage(fileId, clear));
        ByteBuffer b = ByteBuffer.allocate(Envelope.HEADER + 4 + clear.length + sig.length + sealed.length
                + Envelope.FOOTER);
        Envelope.writeHeader(b, Envelope.MANIFEST, fileId);
        b.putInt(clear.length).put(clear).put(sig).put(sealed);
        Envelope.writeFooter(b);
        return new Built(b.array(), Envelope.nameOf(b.array()));
    }

    static byte[] signedMessage(byte[] fileId, byte[] clear) {
        byte[] m = new byte[SIGNING_CONTEXT.length + fileId.length + clear.length];
        System.arraycopy(SIGNING_CONTEXT, 0, m, 0, SIGNING_CONTEXT.length);
        System.arraycopy(fileId, 0, m, SIGNING_CONTEXT.length, fileId.length);
        System.arraycopy(clear, 0, m, SIGNING_CONTEXT.length + fileId.length, clear.length);
        return m;
    }

    private static byte[] encodeHeader(Header h) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write('M');
            o.write(VERSION);
            str(o, h.repoId());
            o.writeLong(h.seq());
            o.writeLong(h.timeMs());
            o.write(HexFormat.of().parseHex(h.prev()));
            o.write(h.root());
            o.writeLong(h.objects());
            o.writeLong(h.bytes());
            o.write(h.bodyKind());
            o.write(h.bodyHash());
            o.write(h.publicKey());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }

    private static byte[] encodeBody(Body body) {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DataOutputStream o = new DataOutputStream(bo)) {
            o.write('B');
            o.write(VERSION);
            o.write(body.kind());
            o.writeInt(body.records().size());
            for (Record r : body.records()) {
                o.write(HexFormat.of().parseHex(r.file()));
                o.writeLong(r.timeMs());
                str(o, r.name());
            }
            if (body.kind() == CHECKPOINT) {
                objs(o, body.objects());
            } else {
                objs(o, body.removed());
                objs(o, body.added());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bo.toByteArray();
    }

    private static void objs(DataOutputStream o, List<Obj> list) throws IOException {
        o.writeInt(list.size());
        for (Obj x : list) {
            o.write(x.kind());
            o.write(HexFormat.of().parseHex(x.name()));
            o.writeLong(x.size());
        }
    }

    private static void str(DataOutputStream o, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        o.writeShort(b.length);
        o.write(b);
    }

    // ---- reading ----

    /**
     * Checks the keyless part of a manifest: envelope header, kind 'M', the clear part and its signature under
     * the public key it carries, and (when {@code expectedKey} is not null) that the key is the expected one.
     * {@code file} may be only the first bytes of the file (at least {@link #headerBytes}); then the footer,
     * the CRC and the name are not checked.
     */
    static Signed readHeader(byte[] file, String name, byte[] expectedKey, boolean whole) throws PartnerCorruptException {
        String what = "manifests/" + name;
        if (whole) {
            if (!Envelope.nameOf(file).equals(name)) {
                throw new PartnerCorruptException(what + ": content does not hash to its name");
            }
            Envelope.Header eh = Envelope.check(file, what);
            if (eh.kind() != Envelope.MANIFEST) {
                throw new PartnerCorruptException(what + ": not a manifest (kind '" + (char) eh.kind() + "')");
            }
        } else if (file.length < Envelope.HEADER + 4 || ByteBuffer.wrap(file).getInt() != Envelope.MAGIC
                || file[4] != Envelope.MANIFEST) {
            throw new PartnerCorruptException(what + ": not a manifest");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(file);
            b.position(8);
            byte[] fileId = new byte[Envelope.FILE_ID];
            b.get(fileId);
            int clearLen = b.getInt();
            if (clearLen < 0 || clearLen > MAX_CLEAR || clearLen + ManifestKey.SIGNATURE_BYTES > b.remaining()) {
                throw new PartnerCorruptException(what + ": clear part of " + clearLen + " bytes does not fit");
            }
            byte[] clear = new byte[clearLen];
            b.get(clear);
            byte[] sig = new byte[ManifestKey.SIGNATURE_BYTES];
            b.get(sig);
            Header h = decodeHeader(clear, what);
            if (expectedKey != null && !Arrays.equals(expectedKey, h.publicKey())) {
                throw new PartnerCorruptException(what + ": signed by another key (not this repository's)");
            }
            if (!ManifestKey.verify(h.publicKey(), signedMessage(fileId, clear), sig)) {
                throw new PartnerCorruptException(what + ": signature does not verify (forged or damaged)");
            }
            return new Signed(name, fileId, h);
        } catch (BufferUnderflowException e) {
            throw new PartnerCorruptException(what + ": ends early");
        }
    }

    /** Bytes at the start of a manifest that hold everything {@link #readHeader} needs. */
    static int headerBytes() {
        return Envelope.HEADER + 4 + MAX_CLEAR + ManifestKey.SIGNATURE_BYTES;
    }

    private static Header decodeHeader(byte[] clear, String what) throws PartnerCorruptException {
        ByteBuffer b = ByteBuffer.wrap(clear);
        int tag = b.get();
        int v = b.get() & 0xff;
        if (tag != 'M') {
            throw new PartnerCorruptException(what + ": header tag '" + (char) tag + "', expected 'M'");
        }
        if (v != VERSION) {
            throw new PartnerCorruptException(what + ": manifest version " + v + (v > VERSION
                    ? " is newer than this pactfs reads (" + VERSION + "): upgrade pactfs" : " is unknown"));
        }
        String repoId = str(b);
        long seq = b.getLong();
        long time = b.getLong();
        byte[] prev = bytes32(b);
        byte[] root = bytes32(b);
        long objects = b.getLong();
        long bytes = b.getLong();
        byte kind = b.get();
        byte[] bodyHash = bytes32(b);
        byte[] pub = bytes32(b);
        if (b.hasRemaining()) {
            throw new PartnerCorruptException(what + ": " + b.remaining() + " bytes after the clear part");
        }
        if (kind != CHECKPOINT && kind != DELTA || seq < 1 || (seq == 1 && kind != CHECKPOINT)) {
            throw new PartnerCorruptException(what + ": body kind " + kind + " at sequence " + seq + " is invalid");
        }
        return new Header(repoId, seq, time, HexFormat.of().formatHex(prev), root, objects, bytes, kind, bodyHash, pub);
    }

    /** Opens and decodes the body of a whole manifest file already checked by {@link #readHeader}. */
    static Body readBody(BlobCipher cipher, byte[] file, Signed s) throws PartnerCorruptException {
        String what = "manifests/" + s.name();
        int from = Envelope.HEADER + 4 + ByteBuffer.wrap(file, Envelope.HEADER, 4).getInt() + ManifestKey.SIGNATURE_BYTES;
        int len = file.length - Envelope.FOOTER - from;
        if (len < 0 || !Arrays.equals(sha256Of(file, from, len), s.header().bodyHash())) {
            throw new PartnerCorruptException(what + ": body does not match the signed hash");
        }
        byte[] plain;
        try {
            plain = cipher.open(BlobType.MANIFEST, s.fileId(), file, from, len);
        } catch (BlobCorruptException e) {
            throw new MetaFiles.WrongKeyOrCorrupt(what + ": body does not decrypt (" + e.getMessage() + ")");
        }
        return decodeBody(plain, s.header().bodyKind(), what);
    }

    /** The plaintext of a manifest body whose signed header says {@code signedKind}. */
    static Body decodeBody(byte[] plain, byte signedKind, String what) throws PartnerCorruptException {
        try {
            ByteBuffer b = ByteBuffer.wrap(plain);
            if (b.get() != 'B' || (b.get() & 0xff) != VERSION) {
                throw new PartnerCorruptException(what + ": body tag or version unknown");
            }
            byte kind = b.get();
            if (kind != signedKind) {
                throw new PartnerCorruptException(what + ": body kind " + kind + " differs from the signed one");
            }
            int n = count(b, 42, what);
            List<Record> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte[] f = new byte[32];
                b.get(f);
                long t = b.getLong();
                records.add(new Record(HexFormat.of().formatHex(f), str(b), t));
            }
            Body body = kind == CHECKPOINT
                    ? new Body(kind, records, objs(b, what), List.of(), List.of())
                    : new Body(kind, records, List.of(), objs(b, what), objs(b, what));
            if (b.hasRemaining()) {
                throw new PartnerCorruptException(what + ": " + b.remaining() + " bytes after the body");
            }
            return body;
        } catch (BufferUnderflowException e) {
            throw new PartnerCorruptException(what + ": body ends early");
        }
    }

    private static int count(ByteBuffer b, int minEach, String what) throws PartnerCorruptException {
        int n = b.getInt();
        if (n < 0 || (long) n * minEach > b.remaining()) {
            throw new PartnerCorruptException(what + ": " + n + " entries do not fit " + b.remaining() + " bytes");
        }
        return n;
    }

    private static List<Obj> objs(ByteBuffer b, String what) throws PartnerCorruptException {
        int n = count(b, OBJ_BYTES, what);
        List<Obj> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            byte[] name = new byte[32];
            b.get(name);
            out.add(new Obj(kind, HexFormat.of().formatHex(name), b.getLong()));
        }
        return out;
    }

    private static byte[] bytes32(ByteBuffer b) {
        byte[] out = new byte[32];
        b.get(out);
        return out;
    }

    private static String str(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        byte[] s = new byte[n];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JDK without SHA-256", e);
        }
    }

    private static byte[] sha256Of(byte[] b, int off, int len) {
        MessageDigest d = sha256();
        d.update(b, off, len);
        return d.digest();
    }
}
