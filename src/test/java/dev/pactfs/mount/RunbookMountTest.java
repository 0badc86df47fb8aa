package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.files.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The admin guide's disaster-recovery runbook and restore drill, run as they are written there: every fenced block
 * after a {@code <!-- runbook -->} (or {@code <!-- restore-drill -->}) comment in docs/admin-guide.md is run with
 * bash, in order, with the guide's example paths moved under the test's directory and {@code pactfs} being this
 * checkout's launcher. Before the runbook, a home repo with a partner directory is written through a real mount,
 * snapshotted, replicated and then deleted (the lost site); after it, the recovered snapshot and the live tree
 * copied back from it must be what was written, byte for byte and attribute for attribute. Last, the three
 * commands of "A lost key" ({@code <!-- lost-key -->}) make a lost machine key file and a new passphrase from the
 * paper.
 */
@Tag("mount")
class RunbookMountTest {

    static final Path GUIDE = MountFixture.projectRoot().resolve("docs/admin-guide.md");
    /** The snapshot name the guide's examples use; the test's home takes its snapshot under it. */
    static final String SNAPSHOT = "nightly-2026-12-04";
    static final Duration BLOCK_TIMEOUT = Duration.ofMinutes(4);

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void theRunbookRecoversALostSiteAndTheDrillFindsNoDifference() throws Exception {
        // ---- the site before the disaster: a repo with a partner, files written through the mount, a night
        Path partner = fx.initWithPartner().getParent();
        fx.mount();
        TestData.randomFile(fx.base().resolve("seed.bin"), 3_000_000, 42);
        fx.both("mkdir -p etc/app db && seq 1 200000 > db/dump.sql && head -c 3000000 \"$BASE/seed.bin\" > big.bin"
                + " && printf 'listen 8080\\n' > etc/app/app.conf && chmod 640 etc/app/app.conf"
                + " && ln -s db/dump.sql latest.sql && ln big.bin big.hardlink"
                + " && setfattr -n user.note -v nightly db/dump.sql"
                + " && find . -mindepth 1 -exec touch -h -d @1764800000 {} +");
        String repo = fx.repo().toString();
        fx.pactfs(Duration.ofMinutes(2), "snapshot", "create", "--repo", repo, "--name", SNAPSHOT).ok();
        fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", repo, "--once").ok();
        String json = fx.pactfs(Duration.ofMinutes(1), "status", "--repo", repo, "--json").ok().out();
        assertTrue(json.contains("\"last_snapshot_safe\":\"" + SNAPSHOT + "\""), json);
        long seq = Long.parseLong(find("\"manifest_seq\":(\\d+)", json));
        // The paper in the safe, as `key export --paper` printed it.
        Path paper = PrivateFiles.createDirectories(fx.base().resolve("safe")).resolve("paper.txt");
        PrivateFiles.writeNew(paper, fx.pactfs(Duration.ofMinutes(1), "key", "export", "--paper", "--repo", repo)
                .ok().out().strip() + "\n");
        fx.unmount();

        // ---- the lost site: the repo (with its wrapped key) is gone; the partner copy and the paper remain
        Sh.run(null, Map.of(), Duration.ofMinutes(1), List.of("rm", "-rf", repo)).ok();
        assertFalse(Files.exists(fx.repo()));
        Files.createDirectories(fx.base().resolve("root"));

        // ---- the runbook, as written
        List<String> steps = blocks("runbook");
        String all = String.join("\n", steps);
        for (String must : List.of("--paper-key-file", "pactfs recover", "pactfs status", "pactfs audit",
                "pactfs mount", "pactfs replicate")) {
            assertTrue(all.contains(must), "the runbook has no " + must + ":\n" + all);
        }
        Map<String, Sh.Result> ran = new LinkedHashMap<>();
        for (String step : steps) {
            ran.put(step, runStep(step, partner, seq, paper));
        }

        Sh.Result recover = step(ran, "pactfs recover");
        assertTrue(recover.out().contains("=== partner manifest: sequence " + seq + ", written "), recover.toString());
        assertTrue(recover.out().contains("every directory listing decoded: yes"), recover.toString());
        assertTrue(recover.out().contains("recovered repo " + repo + " (id "), recover.toString());
        assertFalse(recover.out().contains("cannot restore"), recover.toString());
        assertFalse(Files.exists(fx.base().resolve("root/acme-code.txt")), "the code's file is shredded");
        Path key = fx.base().resolve("etc/pactfs/acme.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key, LinkOption.NOFOLLOW_LINKS)));

        Sh.Result status = step(ran, "pactfs status");
        assertTrue(status.out().contains("last snapshot safe at partner: " + SNAPSHOT + " ("), status.toString());
        assertEquals(Long.toString(seq), find("manifest:\\s+sequence (\\d+)", status.out()), status.toString());

        Sh.Result audit = step(ran, "pactfs audit");
        assertEquals(2, count("all match", audit.out()), audit.toString());

        Sh.Result mount = step(ran, "pactfs mount");
        assertTrue(MountFixture.isMounted(fx.mnt()), mount.toString());
        assertTrue(mount.out().contains(SNAPSHOT), mount.toString());
        // What was written before the disaster: the recovered snapshot, and the live tree copied back from it.
        TreeManifest written = TreeManifest.of(fx.plain()).without(".");
        TreeManifest.assertSame(written, TreeManifest.of(fx.mnt().resolve(".snapshots/" + SNAPSHOT)).without("."));
        TreeManifest.assertSame(written, TreeManifest.of(fx.mnt()).without("."));

        Sh.Result again = step(ran, "pactfs replicate");
        String newest = find("last snapshot taken:\\s+(\\S+)", again.out());
        assertNotEquals(SNAPSHOT, newest, again.toString());
        assertEquals(newest, find("last snapshot safe at partner:\\s+(\\S+)", again.out()), again.toString());
        long after = Long.parseLong(find("manifest:\\s+sequence (\\d+)", again.out()));
        assertTrue(after > seq, "the recovered repo's manifests go on from " + seq + ": " + again);
        assertEquals(2, count("all match", again.out()), "audit after replicating again: " + again);

        // ---- the monthly restore drill, as written, on the recovered repo (mounted)
        List<String> drill = blocks("restore-drill");
        assertEquals(1, drill.size(), "one restore-drill block");
        Sh.Result d = runStep(drill.get(0), partner, seq, paper);
        List<String> lines = d.out().lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("restored "),
                "rsync reports no difference after the restore line: " + d);
        assertTrue(d.out().contains(SNAPSHOT), d.toString());
        assertFalse(Files.exists(fx.base().resolve("restore/drill")), "the drill cleans up");
        // The drill's comparison is not blind: a byte changed in a restored file is reported.
        String rsync = drill.get(0).lines().filter(l -> l.startsWith("rsync ")).findFirst().orElseThrow();
        String restore = drill.get(0).lines().filter(l -> l.startsWith("pactfs restore ")).findFirst().orElseThrow();
        runStep(restore, partner, seq, paper);
        Path restored = fx.base().resolve("restore/drill/etc/app/app.conf");
        TreeManifest.assertSame(written, TreeManifest.of(restored.getParent().getParent().getParent()).without("."));
        Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("bash", "-c",
                "printf L | dd of='" + restored + "' bs=1 count=1 conv=notrunc status=none"
                        + " && touch -d @1764800000 '" + restored + "'")).ok();
        Sh.Result caught = runStep(rsync, partner, seq, paper);
        assertTrue(caught.out().contains("etc/app/app.conf"), "rsync -c reports the changed file: " + caught);

        fx.unmount();

        // ---- "A lost key": the machine key file is gone, the paper is kept; the guide's three commands
        Files.delete(key);
        PrivateFiles.writeNew(fx.base().resolve("root/acme-code.txt"), Files.readString(paper));
        List<String> lostKey = blocks("lost-key");
        assertEquals(1, lostKey.size(), "one lost-key block");
        String newPass = "a new passphrase after the loss";
        Sh.Result k = runStep(lostKey.get(0), partner, seq, paper, Map.of("PACTFS_NEW_PASSPHRASE", newPass));
        assertEquals(Files.readString(paper).strip(), k.out().strip(), "the same recovery code, printed again");
        assertTrue(Files.exists(key));
        fx.pactfs(Duration.ofMinutes(1), "check", "--repo", repo, "--key-file", key.toString()).ok();
        Sh.run(null, Map.of("PACTFS_PASSPHRASE", newPass), Duration.ofMinutes(1),
                List.of(MountFixture.launcher().toString(), "check", "--repo", repo)).ok();
    }

    // ------------------------------------------------------------------ the guide's blocks

    /** The fenced blocks that follow a {@code <!-- marker -->} line in the guide, their indentation removed. */
    static List<String> blocks(String marker) throws IOException {
        List<String> lines = Files.readAllLines(GUIDE, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("<!-- " + marker + " -->")) {
                continue;
            }
            String fence = lines.get(i + 1);
            assertEquals("```", fence.strip(), "line " + (i + 2) + ": a fenced block must follow <!-- " + marker + " -->");
            int indent = fence.indexOf('`');
            StringBuilder b = new StringBuilder();
            int j = i + 2;
            for (; !lines.get(j).strip().equals("```"); j++) {
                String l = lines.get(j);
                b.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n');
            }
            out.add(b.toString());
            i = j;
        }
        assertFalse(out.isEmpty(), "no <!-- " + marker + " --> block in " + GUIDE);
        return out;
    }

    /** The guide's example paths and where they are in this test; any other absolute path fails the test. */
    private Map<String, String> places(Path partner) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/var/lib/pactfs/acme", fx.repo().toString());
        m.put("/mnt/partner", partner.toString());
        m.put("/etc/pactfs", fx.base().resolve("etc/pactfs").toString());
        m.put("/root/", fx.base().resolve("root") + "/");
        m.put("/srv/backup", fx.mnt().toString());
        m.put("/srv/restore", fx.base().resolve("restore").toString());
        return m;
    }

    /**
     * Runs one block with bash (set -euo pipefail): the example paths moved, N the manifest sequence kept off-site,
     * {@code pactfs} this checkout's launcher, no secret in the environment, and the paper's code on stdin (for
     * the step that types it in).
     */
    private Sh.Result runStep(String block, Path partner, long seq, Path paper) {
        return runStep(block, partner, seq, paper, Map.of());
    }

    private Sh.Result runStep(String block, Path partner, long seq, Path paper, Map<String, String> env) {
        Map<String, String> places = places(partner);
        Matcher abs = Pattern.compile("(?<![\\w.$-])/[\\w./-]+").matcher(block);
        while (abs.find()) {
            String p = abs.group();
            assertTrue(places.keySet().stream().anyMatch(p::startsWith),
                    "the runbook names " + p + ", which this test does not place under its directory:\n" + block);
        }
        String script = block.replaceAll("--expect-seq N\\b", "--expect-seq " + seq);
        for (Map.Entry<String, String> e : places.entrySet()) {
            script = script.replace(e.getKey(), e.getValue());
        }
        String prelude = (env.containsKey("PACTFS_NEW_PASSPHRASE") ? "unset PACTFS_PASSPHRASE\n"
                : "unset PACTFS_PASSPHRASE PACTFS_NEW_PASSPHRASE\n")
                + "pactfs() { '" + MountFixture.launcher() + "' \"$@\"; }\n"
                + "exec < '" + paper + "'\n";
        Sh.Result r = Sh.bash(fx.base(), env, BLOCK_TIMEOUT, prelude + script);
        if (r.exit() != 0) {
            throw new AssertionError("runbook step failed:\n" + block + r + "\n" + fx.daemonLog());
        }
        return r;
    }

    private static Sh.Result step(Map<String, Sh.Result> ran, String command) {
        return ran.entrySet().stream().filter(e -> e.getKey().contains(command)).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no runbook step runs " + command));
    }

    private static String find(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in:\n" + text);
        return m.group(1);
    }

    private static int count(String what, String text) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
