package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.store.ChunkRef;
import dev.pactfs.store.InodeRecord.Kind;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TreeCodecTest {

    static ChunkId id(int b) {
        byte[] x = new byte[32];
        Arrays.fill(x, (byte) b);
        return ChunkId.of(x);
    }

    static byte[] n(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<TreeEntry> sample() {
        return List.of(
                new TreeEntry(n("a.txt"), Kind.FILE, 0644, 1000, -2, 10, 2, 0, -5L, 1_700_000_000_123_456_789L, 3, 4, 77,
                        List.of(new TreeEntry.Xattr(n("user.k"), n("v"))),
                        List.of(new ChunkRef(id(1), 4), ChunkRef.hole(6)), null, null),
                new TreeEntry(n("dir"), Kind.DIR, 0755, 0, 0, 0, 2, 0, 1, 2, 3, 4, 78, List.of(), List.of(), id(9), null),
                new TreeEntry(n("link"), Kind.SYMLINK, 0777, 0, 0, 5, 1, 0, 1, 2, 3, 4, 79, List.of(), List.of(), null,
                        n("a.txt")),
                new TreeEntry(n("null"), Kind.CHAR_DEV, 0666, 0, 0, 0, 1, 0x103, 1, 2, 3, 4, 80, List.of(), List.of(),
                        null, null));
    }

    @Test
    void everyFieldSurvivesEncodeAndDecode() throws Exception {
        List<TreeEntry> in = sample();
        List<TreeEntry> out = TreeCodec.decode(TreeCodec.encode(in), "t");
        assertEquals(in.size(), out.size());
        for (int i = 0; i < in.size(); i++) {
            TreeEntry a = in.get(i);
            TreeEntry b = out.get(i);
            assertArrayEquals(a.name(), b.name());
            assertEquals(List.of(a.kind(), a.mode(), a.uid(), a.gid(), a.nlink()), List.of(b.kind(), b.mode(), b.uid(), b.gid(), b.nlink()));
            assertEquals(List.of(a.size(), a.rdev(), a.atimeNs(), a.mtimeNs(), a.ctimeNs(), a.btimeNs(), a.ino()),
                    List.of(b.size(), b.rdev(), b.atimeNs(), b.mtimeNs(), b.ctimeNs(), b.btimeNs(), b.ino()));
            assertEquals(a.chunks(), b.chunks());
            assertEquals(a.subtree(), b.subtree());
            assertArrayEquals(a.symlink(), b.symlink());
            assertEquals(a.xattrs().size(), b.xattrs().size());
        }
    }

    @Test
    void encodingIsDeterministic() {
        assertArrayEquals(TreeCodec.encode(sample()), TreeCodec.encode(sample()));
    }

    @Test
    void entriesOutOfOrderAreRefused() {
        List<TreeEntry> s = sample();
        assertThrows(IllegalArgumentException.class, () -> TreeCodec.encode(List.of(s.get(1), s.get(0))));
    }

    @Test
    void everyTruncationOfABlobFailsToDecode() {
        byte[] blob = TreeCodec.encode(sample());
        for (int len = 0; len < blob.length; len++) {
            byte[] cut = Arrays.copyOf(blob, len);
            assertThrows(TreeFormatException.class, () -> TreeCodec.decode(cut, "t"), "length " + len);
        }
    }

    @Test
    void namesThatAreNotOneComponentAreRefused() {
        TreeEntry good = sample().get(1);
        for (byte[] bad : List.of(n("."), n(".."), n("a/b"), n("/x"), n("a\0b"))) {
            TreeEntry e = new TreeEntry(bad, good.kind(), good.mode(), 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, List.of(),
                    List.of(), good.subtree(), null);
            byte[] blob = TreeCodec.encode(List.of(e));
            TreeFormatException ex = assertThrows(TreeFormatException.class, () -> TreeCodec.decode(blob, "t"));
            assertEquals(true, ex.getMessage().contains("not a file name"), ex.getMessage());
        }
        // "/" only as the single directory entry of a top tree
        TreeEntry top = new TreeEntry(n("/"), Kind.DIR, 0755, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, List.of(), List.of(), id(2), null);
        assertDoesNotThrow(() -> TreeCodec.decode(TreeCodec.encode(List.of(top)), "t"));
        assertThrows(TreeFormatException.class, () -> TreeCodec.decode(TreeCodec.encode(List.of(top, good)), "t"));
    }

    @Test
    void aNewerFormatByteIsRefusedWithAHint() {
        byte[] blob = TreeCodec.encode(sample());
        blob[0] = 2;
        TreeFormatException e = assertThrows(TreeFormatException.class, () -> TreeCodec.decode(blob, "t"));
        assertEquals(true, e.getMessage().contains("upgrade"));
    }

    @Test
    void reservedKindsEightAndNineAreRefusedAsNeedingANewerPactfs() {
        for (int kind : new int[] {8, 9}) {
            byte[] blob = TreeCodec.encode(List.of(sample().get(0)));
            // the kind byte follows the format, the count and the name (a varint length and its bytes)
            blob[3 + sample().get(0).name().length] = (byte) kind;
            TreeFormatException e = assertThrows(TreeFormatException.class, () -> TreeCodec.decode(blob, "tree ab12"));
            assertEquals("tree ab12: entry 0: tree entry kind " + kind + " ("
                    + (kind == 8 ? "inline content" : "range of a shared chunk") + ") needs a newer pactfs", e.getMessage());
        }
    }
}
