package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.store.RecoverMarker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "Cancellation and resume", for recover: an interrupted recover leaves its marker, every other command
 * refuses the half-built repo in one line, and a rerun of recover continues it, reusing the payloads already
 * fetched only where they verify; a directory with another repo's marker is refused.
 */
@Timeout(300)
class RecoverResumeTest {

    /** Partner pack size: small, so the copy has many packs and a kill lands part way. */
    static final int PACK_TARGET = 1 << 20;

    @TempDir
    Path tmp;

    private PartnerFixture f;
    private Path key;
    private Map<String, Map<String, byte[]>> all;

    private void replicated(int files, int size) throws IOException {
        f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        key = f.writeKeyFile(tmp.resolve("acme.key"));
        all = PartnerCliTest.seed(f, 1, files, size);
        CliRun.Result rep = CliRun.run("replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(),
                "--once", "--pack-target", Integer.toString(PACK_TARGET));
        assertEquals(0, rep.exit(), rep.toString());
    }

    private CliRun.Result recover(Path into) {
        return CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo", into.toString(),
                "--key-file", key.toString());
    }

    @Test
    void aRecoverKilledPartWayIsContinuedByItsRerunWhichFetchesOnlyWhatItLacked() throws Exception {
        replicated(16, 2_000_000);
        // Baseline: an uninterrupted recover, and what it read from the partner.
        CliRun.Result whole = recover(tmp.resolve("whole"));
        assertEquals(0, whole.exit(), whole.toString());
        long wholeRead = bytesRead(whole);
        long wholePacks = localPackBytes(tmp.resolve("whole"));

        Path r = tmp.resolve("recovered");
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "dev.pactfs.cli.Main", "recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                r.toString(), "--key-file", key.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        long atKill;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (localPackBytes(r) < wholePacks * 2 / 5) {
                assertTrue(child.isAlive(), () -> "recover ended before it was killed: " + log());
                assertTrue(System.nanoTime() < deadline, "recover never got going");
                Thread.sleep(2);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            atKill = localPackBytes(r);
        } finally {
            child.destroyForcibly();
        }
        assertTrue(atKill < wholePacks, "killed part way: " + atKill + " of " + wholePacks);
        assertTrue(Files.exists(r.resolve(RecoverMarker.FILE_NAME)), "the killed recover left its marker");

        // Not a repo to use yet: one line naming the rerun, for every command that opens it.
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        for (String[] args : List.of(new String[] {"check", "--repo", r.toString(), "--key-file", key.toString()},
                new String[] {"snapshot", "list", "--repo", r.toString(), "--key-file", key.toString()},
                new String[] {"mount", "--repo", r.toString(), "--key-file", key.toString(), mnt.toString()})) {
            CliRun.Result refused = CliRun.run(args);
            assertEquals(1, refused.exit(), refused.toString());
            assertEquals("pactfs: repo " + r + " is only partly recovered (a recover was interrupted): rerun `pactfs"
                    + " recover --partner " + f.copyDir.toAbsolutePath() + " --repo " + r + "` with the same key"
                    + " options to finish it\n", refused.err(), String.join(" ", args));
        }

        CliRun.Result again = recover(r);
        assertEquals(0, again.exit(), again.toString());
        assertEquals("continuing the interrupted recover into " + r + " (repo " + f.repoId + "): local packs it left"
                + " are reused where they verify, everything else is rebuilt\n", again.err());
        long reused = reusedBytes(again);
        long rerunRead = bytesRead(again);
        // Measured for the report: what the killed run had stored, what the rerun reused and read.
        System.out.printf("recover-resume: whole run read %d bytes; killed run had %d bytes in local packs; rerun"
                + " reused %d bytes and read %d bytes%n", wholeRead, atKill, reused, rerunRead);
        assertTrue(reused > wholePacks / 3, again.out());
        // What it had is not read again: at most the partner pack the kill was in, besides index files and trees.
        assertTrue(rerunRead <= wholeRead - reused + 2L * PACK_TARGET, again.out() + " whole run read " + wholeRead);
        assertFalse(Files.exists(r.resolve(RecoverMarker.FILE_NAME)));
        PartnerCliTest.assertRecovered(f, r, all);
        CliRun.Result check = CliRun.run("check", "--repo", r.toString(), "--key-file", key.toString());
        assertEquals(0, check.exit(), check.toString());
    }

    @Test
    void aRerunReusesOnlyRecordsThatVerify() throws Exception {
        replicated(12, 400_000);
        Path r = tmp.resolve("recovered");
        CliRun.Result whole = recover(r);
        assertEquals(0, whole.exit(), whole.toString());
        long wholeRead = bytesRead(whole);
        // As if killed after the config but before the marker went, with one local record damaged since.
        new RecoverMarker(f.repoId, 1, f.copyDir.toAbsolutePath().toString()).write(r);
        Path pack;
        try (Stream<Path> s = Files.list(r.resolve("packs"))) {
            pack = s.findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        b[b.length / 2] ^= 1;
        Files.write(pack, b);

        CliRun.Result again = recover(r);
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.err().startsWith("continuing the interrupted recover"), again.err());
        assertTrue(again.out().contains("; 1 records did not verify"), again.out());
        long reused = reusedBytes(again);
        assertTrue(reused > 0 && bytesRead(again) <= wholeRead - reused + 2L * PACK_TARGET,
                again.out() + " whole run read " + wholeRead);
        PartnerCliTest.assertRecovered(f, r, all);
    }

    @Test
    void aMarkerOfAnotherRepoOrOfANewerCopyIsRefusedAndTheDirectoryLeftAlone() throws Exception {
        replicated(1, 1000);
        Path r = Files.createDirectory(tmp.resolve("other"));
        new RecoverMarker("fedcba98765432100123456789abcdef", 1, "/elsewhere").write(r);
        CliRun.Result rec = recover(r);
        assertEquals(1, rec.exit(), rec.toString());
        assertEquals("pactfs: repo directory " + r + " holds an interrupted recover of repo"
                + " fedcba98765432100123456789abcdef, but the partner copy " + f.copyDir + " is repo " + f.repoId
                + ": refusing (give another --repo, or the copy it was recovering)\n", rec.err());
        assertEquals(List.of(RecoverMarker.FILE_NAME), names(r));

        // The same repo, but the copy went back to an older manifest since the interrupted run: a rollback.
        new RecoverMarker(f.repoId, 7, f.copyDir.toString()).write(r);
        rec = recover(r);
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.err().startsWith("pactfs: the partner copy's newest manifest is now sequence 1, but the"
                + " interrupted recover into " + r + " started from sequence 7: refusing (rolled back?)")
                && rec.err().lines().count() == 1, rec.err());
        assertEquals(List.of(RecoverMarker.FILE_NAME), names(r));

        // Without a marker, a directory with anything in it is refused as before.
        Path plain = Files.createDirectory(tmp.resolve("plain"));
        Files.writeString(plain.resolve("notes.txt"), "mine\n");
        rec = recover(plain);
        assertEquals("pactfs: repo directory " + plain + " is not empty; recover needs a new or empty one\n", rec.err());
    }

    private static long bytesRead(CliRun.Result r) {
        return group(r, "read (\\d+) bytes from the partner");
    }

    private static long reusedBytes(CliRun.Result r) {
        return group(r, "reused \\d+ blobs \\((\\d+) bytes\\)");
    }

    private static long group(CliRun.Result r, String regex) {
        Matcher m = Pattern.compile(regex).matcher(r.out());
        assertTrue(m.find(), regex + " in " + r.out());
        return Long.parseLong(m.group(1));
    }

    private static long localPackBytes(Path repo) throws IOException {
        Path packs = repo.resolve("packs");
        if (!Files.isDirectory(packs)) {
            return 0;
        }
        long n = 0;
        try (Stream<Path> s = Files.list(packs)) {
            for (Path p : s.toList()) {
                try {
                    n += Files.size(p);
                } catch (java.nio.file.NoSuchFileException e) {
                    // deleted meanwhile
                }
            }
        }
        return n;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private String log() {
        try {
            return Files.readString(tmp.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
