package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTargetTest extends PartnerTargetContract {

    @TempDir
    Path tmp;

    @Override
    PartnerTarget newTarget() throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("partner/pactfs-r1"));
        Files.writeString(copy.resolve("config"), "pactfs-partner-copy\nformat=1\nrepo_id=r1\n");
        return PartnerTargets.directory(copy);
    }

    @Test
    void packsLandInTheirTwoHexDigitDirectory() throws IOException {
        byte[] d = bytes(10, 9);
        String name = nameOf(d);
        target.save(PartnerTarget.Kind.PACK, name, d);
        assertTrue(Files.isRegularFile(tmp.resolve("partner/pactfs-r1/packs/" + name.substring(0, 2) + "/" + name)));
    }

    @Test
    void tempFilesAreInvisibleToListAndRemovedByCleanup() throws IOException {
        Path idx = Files.createDirectories(tmp.resolve("partner/pactfs-r1/index"));
        Files.write(idx.resolve(DirectoryTarget.TEMP_PREFIX + "deadbeef"), new byte[100]);
        Path sub = Files.createDirectories(tmp.resolve("partner/pactfs-r1/packs/ab"));
        Files.write(sub.resolve(DirectoryTarget.TEMP_PREFIX + "0"), new byte[100]);
        assertEquals(List.of(), target.list(PartnerTarget.Kind.INDEX));
        assertEquals(List.of(), target.list(PartnerTarget.Kind.PACK));
        assertEquals(2, target.cleanup());
        assertEquals(0, target.cleanup());
    }

    @Test
    void saveNeverCreatesAMissingCopyDirectory() throws IOException {
        Path gone = tmp.resolve("unmounted/pactfs-r1");
        PartnerTarget t = PartnerTargets.directory(gone);
        byte[] d = bytes(10, 10);
        IOException e = assertThrows(IOException.class, () -> t.save(PartnerTarget.Kind.PACK, nameOf(d), d));
        assertTrue(PartnerTarget.isNotFound(e));
        assertFalse(Files.exists(gone));
    }
}
