package dev.pactfs.partner;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.pactfs.crypto.BlobCipher;
import dev.pactfs.crypto.BlobType;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.FuzzSeeds;
import dev.pactfs.crypto.ChunkId;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzz tests of every parser of bytes that come from the partner: each ends in {@link PartnerCorruptException} or
 * succeeds; any other exception, a hang or an out-of-memory is a finding. The sealed files are fuzzed twice: as
 * bytes (the keyless checks), and as plaintext that this repo's key seals properly, so that the decoder behind the
 * AEAD sees malformed content that decrypts fine. Plain {@code mvn test} replays the corpus under
 * src/test/resources/dev/pactfs/partner/PartnerParsersFuzzTestInputs/; docs/testing.md says how to fuzz.
 */
class PartnerParsersFuzzTest {

    private static final BlobCipher CIPHER = RepoKeys.derive(MasterKey.of(new byte[MasterKey.LENGTH])).blobCipher();

    /** Deterministic, so that a finding replays. */
    private static SecureRandom random() {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(1);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void envelope(FuzzedDataProvider data) {
        byte[] file = data.consumeRemainingAsBytes();
        try {
            Envelope.check(file, "fuzz");
            MetaFiles.indexPackName(file, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** A whole pack file; the envelope's CRC is made right so the fuzzer gets past it to the trailer length. */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void packFile(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        byte[] file = withValidEnvelope(Envelope.PACK, body);
        try {
            PackFile.parse(CIPHER, file, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** A pack whose trailer decrypts fine but holds anything. */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void packTrailerSealed(FuzzedDataProvider data) {
        int blobs = data.consumeInt(0, 1 << 16);
        byte[] plain = data.consumeRemainingAsBytes();
        byte[] fileId = new byte[Envelope.FILE_ID];
        byte[] sealed = CIPHER.seal(BlobType.PACK_TRAILER, fileId, Padding.pad(plain));
        ByteBuffer b = ByteBuffer.allocate(Envelope.HEADER + blobs + sealed.length + 4 + Envelope.FOOTER);
        Envelope.writeHeader(b, Envelope.PACK, fileId);
        b.position(b.position() + blobs);
        b.put(sealed);
        b.putInt(sealed.length);
        Envelope.writeFooter(b);
        try {
            PackFile.parse(CIPHER, b.array(), "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void packTrailerPlain(FuzzedDataProvider data) {
        long blobsEnd = data.consumeLong(0, 1L << 40);
        try {
            PackFile.parseTrailer(data.consumeRemainingAsBytes(), blobsEnd, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void padding(FuzzedDataProvider data) {
        byte[] padded = data.consumeRemainingAsBytes();
        try {
            Padding.unpad(padded, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** An index file whose sealed part decrypts fine but holds anything. */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void indexSealed(FuzzedDataProvider data) {
        byte[] packName = data.consumeBytes(32);
        if (packName.length < 32) {
            return;
        }
        byte[] file = MetaFiles.envelope(CIPHER, random(), Envelope.INDEX, BlobType.INDEX, packName,
                data.consumeRemainingAsBytes()).bytes();
        try {
            MetaFiles.readIndex(CIPHER, file, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void indexPlain(FuzzedDataProvider data) {
        byte[] packName = data.consumeBytes(32);
        try {
            MetaFiles.decodeIndex(data.consumeRemainingAsBytes(), packName, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void repoInfoPlain(FuzzedDataProvider data) {
        byte[] plain = data.consumeRemainingAsBytes();
        try {
            MetaFiles.decodeRepoInfo(plain, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** A snapshot file that decrypts fine: the record inside is fuzzed by the snapshot layer's own test. */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void snapshotSealed(FuzzedDataProvider data) {
        byte[] plain = data.consumeRemainingAsBytes();
        byte[] file = MetaFiles.snapshot(CIPHER, random(), plain).bytes();
        try {
            MetaFiles.readSnapshot(CIPHER, file, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** The keyless header of a manifest (decoded before its signature is checked). */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void manifestHeader(FuzzedDataProvider data) {
        byte[] body = data.consumeRemainingAsBytes();
        try {
            Manifest.readHeader(withValidEnvelope(Envelope.MANIFEST, body), "fuzz", null, false);
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** A manifest body that decrypts and matches its signed hash but holds anything. */
    @FuzzTest(maxDuration = FuzzSeeds.CAMPAIGN)
    void manifestBodyPlain(FuzzedDataProvider data) {
        byte kind = data.consumeBoolean() ? Manifest.CHECKPOINT : Manifest.DELTA;
        try {
            Manifest.decodeBody(data.consumeRemainingAsBytes(), kind, "fuzz");
        } catch (PartnerCorruptException expected) {
            // the typed outcome
        }
    }

    /** Writes the seed corpus from real files of each kind (regenerate after a format change). */
    @Test
    @EnabledIfSystemProperty(named = "pactfs.writeSeeds", matches = "true")
    void writeSeeds() throws Exception {
        FuzzSeeds s = new FuzzSeeds(getClass());
        SecureRandom r = random();
        List<PackFile.Blob> blobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            byte[] id = new byte[32];
            id[0] = (byte) i;
            byte[] plain = ("blob " + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            blobs.add(new PackFile.Blob(ChunkId.of(id), i % 2, plain.length, CIPHER.seal(BlobType.CHUNK, id, plain)));
        }
        PackFile.Built pack = PackFile.build(CIPHER, blobs, r);
        byte[] p = pack.bytes();
        s.put("envelope", "pack", p);
        s.put("packFile", "pack-body", Arrays.copyOfRange(p, Envelope.HEADER, p.length - Envelope.FOOTER));
        int end = p.length - Envelope.FOOTER;
        int trailerLen = ByteBuffer.wrap(p, end - 4, 4).getInt();
        byte[] fileId = Arrays.copyOfRange(p, 8, 8 + Envelope.FILE_ID);
        byte[] trailer = Padding.unpad(CIPHER.open(BlobType.PACK_TRAILER, fileId, p, end - 4 - trailerLen, trailerLen), "seed");
        s.put("packTrailerPlain", "trailer", FuzzSeeds.concat(trailer, new byte[8]));
        s.put("packTrailerPlain", "trailer-empty", new byte[0]);
        s.put("packTrailerSealed", "trailer", FuzzSeeds.concat(trailer, new byte[4]));
        s.put("padding", "padded", Padding.pad(trailer));

        List<MetaFiles.IndexEntry> entries = new ArrayList<>();
        for (PackFile.Entry e : pack.entries()) {
            entries.add(new MetaFiles.IndexEntry(e.id(), e.kind(), e.offset(), e.length(), e.plainSize(),
                    Map.of(ChunkId.of(new byte[32]), 7)));
        }
        byte[] packName = Envelope.sha256(p);
        byte[] index = MetaFiles.index(CIPHER, r, new MetaFiles.Index(packName, p.length, entries)).bytes();
        s.put("envelope", "index", index);
        byte[] indexPlain = open(index, Envelope.HEADER + 32);
        s.put("indexPlain", "index", FuzzSeeds.concat(packName, indexPlain));
        s.put("indexSealed", "index", FuzzSeeds.concat(packName, indexPlain));
        byte[] info = MetaFiles.repoInfo(CIPHER, r, new MetaFiles.RepoInfo("0123456789abcdef0123456789abcdef",
                256 << 10, 1 << 20, 4 << 20, 2)).bytes();
        s.put("repoInfoPlain", "repo-info", open(info, Envelope.HEADER));
        s.put("snapshotSealed", "record", "not a record: the envelope is what is fuzzed".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII));

        List<Manifest.Obj> objs = List.of(new Manifest.Obj('P', Envelope.hex(packName), p.length),
                new Manifest.Obj('I', "ab".repeat(32), index.length));
        Manifest.Body body = new Manifest.Body(Manifest.CHECKPOINT,
                List.of(new Manifest.Record("cd".repeat(32), "night-1", 1_700_000_000_000L)), objs, List.of(), List.of());
        byte[] m = Manifest.write(CIPHER, RepoKeys.derive(MasterKey.of(new byte[MasterKey.LENGTH])).manifestKey(), r,
                "0123456789abcdef0123456789abcdef", 1, 1_700_000_000_000L, Manifest.NO_PREV, Manifest.root(objs),
                objs.size(), p.length + index.length, body).bytes();
        s.put("envelope", "manifest", m);
        s.put("manifestHeader", "manifest-body", Arrays.copyOfRange(m, Envelope.HEADER, m.length - Envelope.FOOTER));
        Manifest.Signed signed = Manifest.readHeader(m, Envelope.nameOf(m), null, true);
        int from = Envelope.HEADER + 4 + ByteBuffer.wrap(m, Envelope.HEADER, 4).getInt()
                + dev.pactfs.crypto.ManifestKey.SIGNATURE_BYTES;
        byte[] bodyPlain = CIPHER.open(BlobType.MANIFEST, signed.fileId(), m, from, m.length - Envelope.FOOTER - from);
        s.put("manifestBodyPlain", "checkpoint", FuzzSeeds.concat(bodyPlain, (byte) 1));
    }

    /** The plaintext of sealed file {@code file} from {@code from} (what MetaFiles.open returns). */
    private static byte[] open(byte[] file, int from) throws Exception {
        byte[] fileId = Arrays.copyOfRange(file, 8, 8 + Envelope.FILE_ID);
        BlobType type = BlobType.INDEX;
        return Padding.unpad(CIPHER.open(type, fileId, file, from, file.length - Envelope.FOOTER - from), "seed");
    }

    /** {@code body} between a current header of {@code kind} and a footer whose CRC matches. */
    private static byte[] withValidEnvelope(byte kind, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(Envelope.HEADER + body.length + Envelope.FOOTER);
        Envelope.writeHeader(b, kind, new byte[Envelope.FILE_ID]);
        b.put(body);
        Envelope.writeFooter(b);
        return b.array();
    }
}
