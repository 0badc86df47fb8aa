package dev.pactfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class PaperKeyTest {

    private final MasterKey key = MasterKey.generate();

    @RepeatedTest(20)
    void aCodeDecodesToTheSameKey() throws Exception {
        assertArrayEquals(key.toBytes(), PaperKey.decode(PaperKey.encode(key)).toBytes());
    }

    @Test
    void theCodeIs28GroupsOf5SeparatedByDashes() {
        String code = PaperKey.encode(key);
        String[] groups = code.split("-");
        assertEquals(28, groups.length);
        for (String g : groups) {
            assertTrue(g.matches("[0-9A-HJKMNP-TV-Z]{5}"), g);
        }
    }

    @Test
    void decodingIgnoresSeparatorsWhitespaceAndCase() throws Exception {
        String code = PaperKey.encode(key);
        byte[] want = key.toBytes();
        assertArrayEquals(want, PaperKey.decode(code.replace("-", "")).toBytes());
        assertArrayEquals(want, PaperKey.decode(code.toLowerCase(Locale.ROOT)).toBytes());
        assertArrayEquals(want, PaperKey.decode(code.replace("-", " ")).toBytes());
        assertArrayEquals(want, PaperKey.decode("  " + code.replace("-", "").toLowerCase(Locale.ROOT) + "\n").toBytes());
        StringBuilder lines = new StringBuilder();
        String[] groups = code.split("-");
        for (int i = 0; i < groups.length; i++) {
            lines.append(groups[i]).append(i % 7 == 6 ? "\n" : "  ");
        }
        assertArrayEquals(want, PaperKey.decode(lines.toString()).toBytes());
    }

    @Test
    void lookalikeLettersAreReadAsDigits() throws Exception {
        String code = PaperKey.encode(key);
        String confused = code.replace('0', 'O').replace('1', 'l');
        assertArrayEquals(key.toBytes(), PaperKey.decode(confused).toBytes());
    }

    @Test
    void everySingleCharacterSubstitutionIsReportedAsATypoInItsGroup() {
        String code = PaperKey.encode(key).replace("-", "");
        for (int pos = 0; pos < code.length(); pos++) {
            int value = PaperKey.ALPHABET.indexOf(code.charAt(pos));
            for (int other = 0; other < 32; other++) {
                if (other == value) {
                    continue;
                }
                char[] c = code.toCharArray();
                c[pos] = PaperKey.ALPHABET.charAt(other);
                String typo = new String(c);
                int p = pos;
                PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(typo),
                        () -> "substitution at " + p + " went unnoticed");
                assertEquals("recovery code has a typo in group " + (pos / 5 + 1), e.getMessage());
            }
        }
    }

    @Test
    void swappingTwoNeighboursInAGroupIsReportedAsATypo() {
        String code = PaperKey.encode(key).replace("-", "");
        for (int pos = 0; pos + 1 < code.length(); pos++) {
            if (pos % 5 == 4 || code.charAt(pos) == code.charAt(pos + 1)) {
                continue;
            }
            char[] c = code.toCharArray();
            char t = c[pos];
            c[pos] = c[pos + 1];
            c[pos + 1] = t;
            String swapped = new String(c);
            PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(swapped));
            assertTrue(e.getMessage().contains("typo in group " + (pos / 5 + 1)), e.getMessage());
        }
    }

    @Test
    void swappedGroupsAreReportedAsTypos() {
        String[] g = PaperKey.encode(key).split("-");
        String t = g[3];
        g[3] = g[4];
        g[4] = t;
        PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(String.join("-", g)));
        assertEquals("recovery code has a typo in groups 4 and 5", e.getMessage());
    }

    @Test
    void errorsThatPassTheGroupChecksAreCaughtByTheChecksum() {
        // Change group 1's data and recompute its check character, as a double typo might.
        String code = PaperKey.encode(key).replace("-", "");
        int[] v = new int[4];
        for (int i = 0; i < 4; i++) {
            v[i] = PaperKey.ALPHABET.indexOf(code.charAt(5 + i));
        }
        v[2] ^= 1;
        char[] c = code.toCharArray();
        c[7] = PaperKey.ALPHABET.charAt(v[2]);
        c[9] = PaperKey.ALPHABET.charAt(PaperKey.groupCheck(1, v, 0));
        PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(new String(c)));
        assertEquals("recovery code checksum does not match: a typo?", e.getMessage());
    }

    @Test
    void aMissingCharacterIsLocalisedWhenGroupsAreSeparated() {
        String code = PaperKey.encode(key);
        String shorter = code.substring(0, 31) + code.substring(32); // drops a character of group 6
        PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(shorter));
        assertEquals("recovery code group 6 has 4 characters, expected 5", e.getMessage());
        PaperKeyFormatException e2 = assertThrows(PaperKeyFormatException.class,
                () -> PaperKey.decode(shorter.replace("-", "")));
        assertEquals("recovery code has 139 characters, expected 140 (28 groups of 5)", e2.getMessage());
    }

    @Test
    void aCharacterOutsideTheAlphabetIsNamed() {
        String code = PaperKey.encode(key);
        String bad = code.substring(0, 6) + "U" + code.substring(7);
        PaperKeyFormatException e = assertThrows(PaperKeyFormatException.class, () -> PaperKey.decode(bad));
        assertEquals("recovery code has an invalid character 'U' in group 2", e.getMessage());
    }

    @Test
    void theGroupCheckCatchesEverySubstitutionByConstruction() {
        // alpha^1..alpha^4 are non-zero in GF(32), so alpha^i * (a xor b) != 0 whenever a != b.
        for (int i = 1; i < 32; i++) {
            for (int p = 2, k = 0; k < 4; k++, p = PaperKey.gfMul(p, 2)) {
                assertTrue(PaperKey.gfMul(p, i) != 0);
            }
        }
    }
}
