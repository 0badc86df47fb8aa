package dev.pactfs.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class KeyFileTest {

    /** Cheap Argon2 cost so tests stay fast; production uses {@link KeyFile#DEFAULT_KDF}. */
    private static final KeyFile.KdfParams FAST = new KeyFile.KdfParams(64, 1, 1);
    private static final String REPO = "3f6c2a1e-repo";

    @TempDir
    Path dir;

    private static char[] pw(String s) {
        return s.toCharArray();
    }

    @Test
    void theRightPassphraseOpensTheSameMasterKey() throws Exception {
        MasterKey key = MasterKey.generate();
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, key, pw("correct horse"), FAST);
        assertArrayEquals(key.toBytes(), KeyFile.openWrapped(f, REPO, pw("correct horse")).toBytes());
        assertEquals(REPO, KeyFile.readRepoId(f));
    }

    @Test
    void aWrongPassphraseThrowsWrongKeyException() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("correct horse"), FAST);
        WrongKeyException e = assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, REPO, pw("correct hose")));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
    }

    @Test
    void aKeyFileOfAnotherRepositoryIsAWrongKey() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST);
        WrongKeyException e = assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, "other", pw("pw")));
        assertTrue(e.getMessage().contains("for repository " + REPO), e.getMessage());
    }

    @Test
    void keyPasswdKeepsTheMasterKeyAndRetiresTheOldPassphrase() throws Exception {
        MasterKey key = MasterKey.generate();
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, key, pw("old"), FAST);
        byte[] before = Files.readAllBytes(f);
        KeyFile.rewrap(f, REPO, pw("old"), pw("new"), FAST);
        byte[] after = Files.readAllBytes(f);
        assertArrayEquals(key.toBytes(), KeyFile.openWrapped(f, REPO, pw("new")).toBytes());
        assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, REPO, pw("old")));
        assertFalse(Arrays.equals(before, after));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temp file is left behind");
        }
    }

    @Test
    void keyPasswdWithTheWrongOldPassphraseChangesNothing() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("old"), FAST);
        byte[] before = Files.readAllBytes(f);
        assertThrows(WrongKeyException.class, () -> KeyFile.rewrap(f, REPO, pw("bad"), pw("new"), FAST));
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    @Test
    void everyDamagedByteIsReportedAsDamageNotAsAWrongPassphrase() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST);
        byte[] good = Files.readAllBytes(f);
        Path bad = dir.resolve("bad.key");
        for (int i = 0; i < good.length; i++) {
            byte[] b = good.clone();
            b[i] ^= 0x10;
            Files.write(bad, b);
            KeyFileDamagedException e = assertThrows(KeyFileDamagedException.class,
                    () -> KeyFile.openWrapped(bad, REPO, pw("pw")), "byte " + i);
            assertTrue(e.getMessage().contains("damaged") || e.getMessage().contains("not a pactfs key file"),
                    e.getMessage());
        }
    }

    @Test
    void aTruncatedOrForeignFileIsReportedAsDamaged() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST);
        byte[] good = Files.readAllBytes(f);
        Path bad = dir.resolve("bad.key");
        for (int len : new int[] {0, 5, 9, 20, good.length - 1}) {
            Files.write(bad, Arrays.copyOf(good, len));
            assertThrows(KeyFileDamagedException.class, () -> KeyFile.openWrapped(bad, REPO, pw("pw")), "length " + len);
        }
        Files.writeString(bad, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        KeyFileDamagedException e = assertThrows(KeyFileDamagedException.class, () -> KeyFile.openWrapped(bad, REPO, pw("pw")));
        assertTrue(e.getMessage().contains("not a pactfs key file"), e.getMessage());
    }

    @Test
    void aKeyFileFromANewerPactfsSaysSo() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST);
        byte[] b = Files.readAllBytes(f);
        b[KeyFile.MAGIC.length + 1] = (byte) (KeyFile.VERSION + 1); // version byte
        int body = b.length - KeyFile.CHECKSUM_BYTES;
        System.arraycopy(KeyFile.sha256(b, 0, body), 0, b, body, KeyFile.CHECKSUM_BYTES);
        Files.write(f, b);
        KeyFileTooNewException e = assertThrows(KeyFileTooNewException.class, () -> KeyFile.openWrapped(f, REPO, pw("pw")));
        assertTrue(e.getMessage().contains("version " + (KeyFile.VERSION + 1)), e.getMessage());
    }

    @Test
    void anExistingKeyFileIsNeverOverwritten() throws Exception {
        MasterKey key = MasterKey.generate();
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, key, pw("pw"), FAST);
        assertThrows(FileAlreadyExistsException.class,
                () -> KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST));
        assertThrows(FileAlreadyExistsException.class, () -> KeyFile.writeMachineKey(f, REPO, MasterKey.generate()));
        assertArrayEquals(key.toBytes(), KeyFile.openWrapped(f, REPO, pw("pw")).toBytes());
    }

    @Test
    void wrappedKeyFilesAreWrittenWithMode0600() throws Exception {
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, MasterKey.generate(), pw("pw"), FAST);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void defaultArgon2CostIs64MiBThreePassesOneLaneAndIsRecordedInTheFile() throws Exception {
        assertEquals(new KeyFile.KdfParams(64 * 1024, 3, 1), KeyFile.DEFAULT_KDF);
        MasterKey key = MasterKey.generate();
        Path f = dir.resolve("repo.key");
        KeyFile.writeWrapped(f, REPO, key, pw("pw"));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f));
        // header, slot count, then the slot's format, id and creation time before its KDF fields
        b.position(KeyFile.MAGIC.length + 2 + 2 + REPO.getBytes(StandardCharsets.UTF_8).length + 1 + 1
                + KeyFile.SLOT_ID_BYTES + 8);
        assertEquals(KeyFile.KDF_ARGON2ID, b.get());
        assertEquals(64 * 1024, b.getInt());
        assertEquals(3, b.getInt());
        assertEquals(1, b.get());
        assertArrayEquals(key.toBytes(), KeyFile.openWrapped(f, REPO, pw("pw")).toBytes());
    }

    @Test
    void argon2KeyIsDeterministicAndDependsOnTheSalt() {
        byte[] salt = new byte[16];
        byte[] a = KeyFile.argon2(pw("pw"), salt, FAST);
        assertArrayEquals(a, KeyFile.argon2(pw("pw"), salt, FAST));
        salt[0] = 1;
        assertFalse(Arrays.equals(a, KeyFile.argon2(pw("pw"), salt, FAST)));
    }

    @Test
    void machineKeyRoundTripsWithMode0600() throws Exception {
        MasterKey key = MasterKey.generate();
        Path f = dir.resolve("machine.key");
        KeyFile.writeMachineKey(f, REPO, key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertArrayEquals(key.toBytes(), KeyFile.readMachineKey(f).toBytes());
        assertEquals(REPO, KeyFile.readRepoId(f));
    }

    @Test
    void aMachineKeyWithWidePermissionsIsReadWithAWarning() throws Exception {
        Path f = dir.resolve("machine.key");
        KeyFile.writeMachineKey(f, REPO, MasterKey.generate());
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(KeyFile.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            KeyFile.readMachineKey(f);
        } finally {
            log.detachAppender(appender);
        }
        assertTrue(appender.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
                && e.getFormattedMessage().contains("rw-r--r--")), appender.list.toString());
    }

    @Test
    void somethingOtherThanAMachineKeyIsAWrongKey() throws Exception {
        Path wrapped = dir.resolve("repo.key");
        KeyFile.writeWrapped(wrapped, REPO, MasterKey.generate(), pw("pw"), FAST);
        WrongKeyException e = assertThrows(WrongKeyException.class, () -> KeyFile.readMachineKey(wrapped));
        assertTrue(e.getMessage().contains("passphrase-protected"), e.getMessage());

        Path junk = dir.resolve("junk");
        Files.writeString(junk, "hello");
        e = assertThrows(WrongKeyException.class, () -> KeyFile.readMachineKey(junk));
        assertTrue(e.getMessage().contains("not a pactfs key file"), e.getMessage());

        Path machine = dir.resolve("machine.key");
        KeyFile.writeMachineKey(machine, REPO, MasterKey.generate());
        byte[] b = Files.readAllBytes(machine);
        b[b.length - 40] ^= 1;
        Files.write(machine, b);
        e = assertThrows(WrongKeyException.class, () -> KeyFile.readMachineKey(machine));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aMachineKeyIsNotOpenedWithAPassphrase() throws Exception {
        Path f = dir.resolve("machine.key");
        KeyFile.writeMachineKey(f, REPO, MasterKey.generate());
        WrongKeyException e = assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, REPO, pw("pw")));
        assertTrue(e.getMessage().contains("machine key"), e.getMessage());
    }

    @Test
    void callerMistakesThrowIllegalArgumentException() {
        Path f = dir.resolve("x.key");
        MasterKey k = MasterKey.generate();
        assertThrows(IllegalArgumentException.class, () -> KeyFile.writeWrapped(f, REPO, k, new char[0], FAST));
        assertThrows(IllegalArgumentException.class, () -> KeyFile.writeWrapped(f, "", k, pw("pw"), FAST));
        assertThrows(IllegalArgumentException.class, () -> KeyFile.writeWrapped(f, REPO, null, pw("pw"), FAST));
        assertThrows(IllegalArgumentException.class, () -> KeyFile.writeMachineKey(f, null, k));
        assertThrows(IllegalArgumentException.class, () -> new KeyFile.KdfParams(64, 0, 1));
    }

    /**
     * A key file as pactfs wrote it before key slots (format version 1, one passphrase, generated by that release
     * with the cheap test KDF): it still opens, lists as one slot without a creation time, and keeps opening after
     * a slot is added to it and after that slot is removed again.
     */
    @Test
    void aVersion1KeyFileStillOpensAndTakesNewSlots() throws Exception {
        Path f = dir.resolve("keyfile");
        try (var in = KeyFileTest.class.getResourceAsStream("keyfile-format1.key")) {
            Files.write(f, in.readAllBytes());
        }
        assertEquals(1, Files.readAllBytes(f)[KeyFile.MAGIC.length + 1], "the fixture is a version-1 file");
        byte[] expected = new byte[64];
        for (int i = 0; i < 64; i++) {
            expected[i] = (byte) (i * 7 + 3);
        }
        String repo = "fixture-repo-v1";
        char[] old = pw("fixture passphrase v1");
        assertArrayEquals(expected, KeyFile.openWrapped(f, repo, old).toBytes());
        java.util.List<KeyFile.Slot> before = KeyFile.slots(f);
        assertEquals(1, before.size());
        assertEquals(null, before.get(0).created());

        String added = KeyFile.addSlot(f, repo, MasterKey.of(expected), pw("second"), FAST);
        assertEquals(KeyFile.VERSION, Files.readAllBytes(f)[KeyFile.MAGIC.length + 1]);
        assertEquals(java.util.List.of(before.get(0).id(), added), KeyFile.slots(f).stream().map(KeyFile.Slot::id).toList());
        KeyFile.Opened byOld = KeyFile.openSlot(f, repo, old);
        assertArrayEquals(expected, byOld.key().toBytes());
        assertEquals(before.get(0).id(), byOld.slotId());
        KeyFile.Opened byNew = KeyFile.openSlot(f, repo, pw("second"));
        assertArrayEquals(expected, byNew.key().toBytes());
        assertEquals(added, byNew.slotId());

        KeyFile.removeSlot(f, repo, added);
        assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, repo, pw("second")));
        assertArrayEquals(expected, KeyFile.openWrapped(f, repo, old).toBytes());
        KeyFile.removeSlot(f, repo, before.get(0).id());
        assertFalse(Files.exists(f), "removing the last slot removes the file");
    }

    @Test
    void aSlotsIdAndTimeAreAuthenticated() throws Exception {
        Path f = dir.resolve("repo.key");
        MasterKey key = MasterKey.generate();
        KeyFile.writeWrapped(f, REPO, key, pw("pw"), FAST);
        byte[] b = Files.readAllBytes(f);
        int created = KeyFile.MAGIC.length + 1 + 1 + 2 + REPO.length() + 1 + 1 + KeyFile.SLOT_ID_BYTES;
        b[created + 7] ^= 1; // one second later
        int body = b.length - KeyFile.CHECKSUM_BYTES;
        System.arraycopy(KeyFile.sha256(b, 0, body), 0, b, body, KeyFile.CHECKSUM_BYTES);
        Files.write(f, b);
        assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, REPO, pw("pw")));
    }

    @Test
    void passwdRewrapsOnlyTheSlotItsPassphraseOpens() throws Exception {
        Path f = dir.resolve("repo.key");
        MasterKey key = MasterKey.generate();
        KeyFile.writeWrapped(f, REPO, key, pw("a"), FAST);
        String b = KeyFile.addSlot(f, REPO, key, pw("b"), FAST);
        KeyFile.rewrap(f, REPO, pw("b"), pw("c"), FAST);
        assertThrows(WrongKeyException.class, () -> KeyFile.openWrapped(f, REPO, pw("b")));
        assertEquals(b, KeyFile.openSlot(f, REPO, pw("c")).slotId());
        assertArrayEquals(key.toBytes(), KeyFile.openWrapped(f, REPO, pw("a")).toBytes());
        assertEquals(2, KeyFile.slots(f).size());
    }
}
