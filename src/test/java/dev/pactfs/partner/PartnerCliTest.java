package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.store.StoreFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The partner commands end to end: replicate, status, scrub-hosted, audit, recover; kill -9 of a pass. */
@Timeout(300)
class PartnerCliTest {

    @TempDir
    Path tmp;

    /** A fixture with {@code nights} snapshots, closed so the commands can open the repo. */
    static Map<String, Map<String, byte[]>> seed(PartnerFixture f, int nights, int files, int size) throws IOException {
        Map<String, Map<String, byte[]>> all = new LinkedHashMap<>();
        for (int n = 1; n <= nights; n++) {
            Map<String, byte[]> night = PartnerFixture.night(n, 100 + n, files, size);
            f.snapshot("night-" + n, night);
            all.put("night-" + n, night);
        }
        f.close();
        return all;
    }

    static void assertRecovered(PartnerFixture f, Path newRepo, Map<String, Map<String, byte[]>> all) throws IOException {
        try (StoreFixture st = StoreFixture.open(newRepo, f.keys)) {
            for (Map.Entry<String, Map<String, byte[]>> snap : all.entrySet()) {
                Map<String, byte[]> got = PartnerFixture.restore(st, snap.getKey());
                assertEquals(snap.getValue().keySet(), got.keySet());
                for (String k : snap.getValue().keySet()) {
                    assertArrayEquals(snap.getValue().get(k), got.get(k), snap.getKey() + "/" + k);
                }
            }
            assertTrue(st.store.check(true).clean(), st.store.check(true).problems().toString());
        }
    }

    @Test
    void replicateStatusScrubAuditAndRecoverWithKeyFileAndWithPaperKey() throws IOException {
        PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        Map<String, Map<String, byte[]>> all = seed(f, 3, 4, 50_000);
        String repo = f.repoDir.toString();

        CliRun.Result st = CliRun.run("status", "--repo", repo, "--key-file", key.toString(), "--json");
        assertEquals(0, st.exit(), st.toString());
        assertTrue(st.out().contains("\"last_snapshot\":null") && !st.out().contains("\"pending_blobs\":0,"), st.out());

        CliRun.Result rep = CliRun.run("replicate", "--repo", repo, "--key-file", key.toString(), "--once", "--bandwidth", "400Mbit");
        assertEquals(0, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("3 snapshot records"), rep.out());

        st = CliRun.run("status", "--repo", repo, "--key-file", key.toString(), "--json");
        assertTrue(st.out().contains("\"pending_blobs\":0,\"pending_bytes\":0") && st.out().contains("\"last_snapshot\":\"night-3\"")
                && st.out().contains("\"last_error\":null"), st.out());
        CliRun.Result text = CliRun.run("status", "--repo", repo, "--key-file", key.toString());
        assertTrue(text.out().contains("up to date") && text.out().contains("night-3"), text.out());

        CliRun.Result scrub = CliRun.run("scrub-hosted", tmp.resolve("partner").toString());
        assertEquals(0, scrub.exit(), scrub.toString());
        CliRun.Result audit = CliRun.run("audit", "--repo", repo, "--key-file", key.toString(), "--sample", "100");
        assertEquals(0, audit.exit(), audit.toString());

        Path r1 = tmp.resolve("recovered-keyfile");
        CliRun.Result rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo", r1.toString(),
                "--key-file", key.toString());
        assertEquals(0, rec.exit(), rec.toString());
        assertRecovered(f, r1, all);
        // The recovered repo opens with the key file through the normal path and has no replication backlog.
        CliRun.Result st2 = CliRun.run("status", "--repo", r1.toString(), "--key-file", key.toString(), "--json");
        assertEquals(0, st2.exit(), st2.toString());
        assertTrue(st2.out().contains("\"pending_blobs\":0,"), st2.out());

        Path r2 = tmp.resolve("recovered-paper");
        Path paper = Files.writeString(tmp.resolve("paper.txt"), PaperKey.encode(f.key) + "\n");
        Path pass = Files.writeString(tmp.resolve("new-pass.txt"), "a passphrase of the recovered repo\n");
        rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo", r2.toString(),
                "--paper-key-file", paper.toString(), "--passphrase-file", pass.toString());
        assertEquals(0, rec.exit(), rec.toString());
        assertFalse(rec.err().contains("warning"), rec.err());
        assertRecovered(f, r2, all);
        // Ready to use: the recovered repo opens with its own passphrase alone, no recovery code needed.
        CliRun.Result check = CliRun.run("check", "--repo", r2.toString(), "--passphrase-file", pass.toString());
        assertEquals(0, check.exit(), check.toString());
        CliRun.Result wrong = CliRun.run("check", "--repo", r2.toString(), "--passphrase-file",
                Files.writeString(tmp.resolve("wrong.txt"), "not it\n").toString());
        assertEquals(1, wrong.exit(), wrong.toString());
        assertTrue(wrong.err().startsWith("pactfs: wrong passphrase"), wrong.err());
    }

    /** A repo with one small file in one snapshot, replicated to tmp/partner (machine key in tmp/acme.key). */
    private PartnerFixture oneReplicatedFile() throws IOException {
        PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        seed(f, 1, 1, 1000);
        assertEquals(0, CliRun.run("replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--once").exit());
        return f;
    }

    @Test
    void recoverWithOnlyTheRecoveryCodeAndNoTerminalRefusesBeforeWritingAnything() throws IOException {
        PartnerFixture f = oneReplicatedFile();
        Path paper = Files.writeString(tmp.resolve("paper.txt"), PaperKey.encode(f.key) + "\n");
        CliRun.Result rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                tmp.resolve("r").toString(), "--paper-key-file", paper.toString());
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.err().startsWith("pactfs: recover needs a way to open the recovered repo without the recovery"
                + " code"), rec.err());
        assertFalse(Files.exists(tmp.resolve("r")), "recover wrote a repo that opens only with the recovery code");

        // With a --key-file that does not exist yet, recover writes the recovered repo's machine key there.
        Path newKey = tmp.resolve("new.key");
        rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                tmp.resolve("r").toString(), "--paper-key-file", paper.toString(), "--key-file", newKey.toString());
        assertEquals(0, rec.exit(), rec.toString());
        assertEquals(0, CliRun.run("check", "--repo", tmp.resolve("r").toString(), "--key-file", newKey.toString()).exit());
    }

    @Test
    void recoverAtATerminalAsksForTheCodeAndTwiceForTheNewPassphrase() throws IOException {
        PartnerFixture f = oneReplicatedFile();
        String code = PaperKey.encode(f.key);
        Path r = tmp.resolve("r");
        CliRun.Result rec = CliRun.runAtTerminal(List.of(code, "new one", "new on"), "recover", "--partner",
                tmp.resolve("partner").toString(), "--repo", r.toString());
        assertEquals(1, rec.exit(), rec.toString());
        assertEquals("pactfs: the two passphrases differ; nothing recovered\n", rec.err());
        assertFalse(Files.exists(r));
        rec = CliRun.runAtTerminal(List.of(code, "new one", "new one"), "recover", "--partner",
                tmp.resolve("partner").toString(), "--repo", r.toString());
        assertEquals(0, rec.exit(), rec.toString());
        Path pass = Files.writeString(tmp.resolve("pass"), "new one\n");
        CliRun.Result check = CliRun.run("check", "--repo", r.toString(), "--passphrase-file", pass.toString());
        assertEquals(0, check.exit(), check.toString());
    }

    @Test
    void recoverWithTheWrongKeyFailsWithOneLineAndWritesNoRepo() throws IOException {
        oneReplicatedFile();
        CliRun.Result rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                tmp.resolve("r").toString(), "--paper-key", PaperKey.encode(dev.pactfs.crypto.MasterKey.generate()));
        assertEquals(1, rec.exit(), rec.toString());
        // The code on the command line still works, with a one-line warning first.
        assertTrue(rec.err().startsWith(dev.pactfs.cli.CliRun.PAPER_KEY_ON_ARGV_WARNING + "\npactfs: the key does not"
                + " open the partner copy"), rec.err());
        assertTrue(!Files.exists(tmp.resolve("r/config")));
    }

    @Test
    void scrubHostedExitsOneAndNamesAFlippedPack() throws IOException {
        PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        seed(f, 1, 2, 20_000);
        CliRun.run("replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--once");
        Path pack;
        try (Stream<Path> s = Files.walk(f.copyDir.resolve("packs"))) {
            pack = s.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        b[b.length / 2] ^= 1;
        Files.write(pack, b);
        CliRun.Result scrub = CliRun.run("scrub-hosted", tmp.resolve("partner").toString());
        assertEquals(1, scrub.exit(), scrub.toString());
        assertTrue(scrub.out().contains("corrupt: " + pack), scrub.out());
        CliRun.Result audit = CliRun.run("audit", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--sample", "100");
        assertEquals(1, audit.exit(), audit.toString());
        assertTrue(audit.out().contains(pack.getFileName().toString()), audit.out());
        CliRun.Result rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                tmp.resolve("r").toString(), "--key-file", key.toString());
        assertEquals(1, rec.exit(), rec.toString());
        assertTrue(rec.out().contains("cannot restore: night-1:/"), rec.out());
    }

    @Test
    void replicateKilledWithSigkillMidPassLeavesNoPartialFileAndTheNextPassCompletesIt() throws Exception {
        PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        Map<String, Map<String, byte[]>> all = seed(f, 2, 8, 400_000); // ~6 MB stored
        List<String> cmd = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"), "-cp", System.getProperty("java.class.path"),
                "dev.pactfs.cli.Main", "replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(),
                "--once", "--bandwidth", "2MB", "--pack-target", "262144"));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (countPacks(f.copyDir) < 3) {
                assertTrue(child.isAlive(), () -> "child exited early: " + readLog());
                assertTrue(System.nanoTime() < deadline, "no packs appeared");
                Thread.sleep(20);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        int packsAfterKill = countPacks(f.copyDir);
        // Whatever sits under a final name is whole: scrub-hosted ignores only temp files.
        assertTrue(HostedScrub.scrub(tmp.resolve("partner"), l -> { }).clean());
        CliRun.Result rep = CliRun.run("replicate", "--repo", f.repoDir.toString(), "--key-file", key.toString(), "--once");
        assertEquals(0, rep.exit(), rep.toString());
        assertTrue(rep.out().contains("2 snapshot records"), rep.out());
        try (Stream<Path> s = Files.walk(f.copyDir)) {
            assertEquals(0, s.filter(p -> p.getFileName().toString().startsWith(".tmp-")).count(), "temp files left");
        }
        assertTrue(HostedScrub.scrub(tmp.resolve("partner"), l -> { }).clean());
        assertTrue(countPacks(f.copyDir) >= packsAfterKill);
        Path r = tmp.resolve("recovered");
        assertEquals(0, CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo", r.toString(),
                "--key-file", key.toString()).exit());
        assertRecovered(f, r, all);
    }

    private String readLog() {
        try {
            return Files.readString(tmp.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    static int countPacks(Path copyDir) throws IOException {
        try (Stream<Path> s = Files.walk(copyDir.resolve("packs"))) {
            return (int) s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".tmp-")).count();
        }
    }
}
