package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A repo an older pactfs left readable by others (recover made it 0755, its catalog 0644) is closed when opened. */
@Timeout(120)
class OlderRepoModesTest {

    @TempDir
    Path tmp;

    @Test
    void openingARepoTakesGroupAndOtherBitsOffItsDirectoryAndCatalog() throws IOException {
        Path repo = tmp.resolve("repo");
        Path key = tmp.resolve("m.key");
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", key.toString()).exit());
        Files.setPosixFilePermissions(repo, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(repo.resolve("catalog.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));
        CliRun.Result check = CliRun.run("check", "--repo", repo.toString(), "--key-file", key.toString());
        assertEquals(0, check.exit(), check.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve("catalog.mv.db"))));
    }

    @Test
    void initIntoAnEmptyDirectoryTheAdminMadeClosesIt() throws IOException {
        Path repo = Files.createDirectory(tmp.resolve("premade"));
        Files.setPosixFilePermissions(repo, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertEquals(0, CliRun.run("init", "--repo", repo.toString(), "--key-file", tmp.resolve("k").toString()).exit());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo)));
    }
}
