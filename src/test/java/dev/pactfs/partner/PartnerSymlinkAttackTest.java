package dev.pactfs.partner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.pactfs.cli.CliRun;
import dev.pactfs.crypto.PaperKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The host plants symlinks in the partner directory; nothing pactfs runs (replicate, audit, recover, scrub-hosted,
 * and the target's own save/load/delete/cleanup) reads, writes or deletes what they point to, and each link is named
 * in a warning (or, for scrub-hosted, a problem line).
 */
@Timeout(300)
class PartnerSymlinkAttackTest {

    @TempDir
    Path tmp;

    private final ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    private final Logger log = (Logger) LoggerFactory.getLogger(NoFollow.class);

    @BeforeEach
    void listen() {
        warnings.start();
        log.addAppender(warnings);
    }

    @AfterEach
    void stopListening() {
        log.detachAppender(warnings);
    }

    private String warned() {
        return warnings.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
    }

    /** Every file under {@code dir} with its bytes: what "untouched" is compared against. */
    private static Map<String, String> contents(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return out;
    }

    /** A directory outside the partner directory holding what an attacker would like root to delete or overwrite. */
    private Path victims() throws IOException {
        Path out = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.writeString(out.resolve(".tmp-precious"), "root's file that looks like a temp file\n");
        Files.writeString(out.resolve("passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.writeString(out.resolve("a".repeat(64)), "a file under a partner name\n");
        return out;
    }

    @Test
    void replicateAuditRecoverAndScrubFollowNoPlantedLink() throws IOException {
        PartnerFixture f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        Path key = f.writeKeyFile(tmp.resolve("acme.key"));
        PartnerCliTest.seed(f, 2, 3, 20_000);
        String repo = f.repoDir.toString();
        assertEquals(0, CliRun.run("replicate", "--repo", repo, "--key-file", key.toString(), "--once").exit());

        Path elsewhere = victims();
        Map<String, String> before = contents(elsewhere);
        Path copy = f.copyDir;
        Path packDirLink = Files.createSymbolicLink(copy.resolve("packs/zz"), elsewhere);
        Path indexLink = Files.createSymbolicLink(copy.resolve("index/" + "b".repeat(64)), elsewhere.resolve("passwd"));
        Path tmpLink = Files.createSymbolicLink(copy.resolve("index/.tmp-0123"), elsewhere.resolve("passwd"));
        Path manifestTmpLink = Files.createSymbolicLink(copy.resolve("manifests/.tmp-4567"), elsewhere.resolve(".tmp-precious"));

        CliRun.Result rep = CliRun.run("replicate", "--repo", repo, "--key-file", key.toString(), "--once");
        assertEquals(0, rep.exit(), rep.toString());
        CliRun.Result audit = CliRun.run("audit", "--repo", repo, "--key-file", key.toString(), "--sample", "100");
        assertEquals(0, audit.exit(), audit.toString());
        CliRun.Result rec = CliRun.run("recover", "--partner", tmp.resolve("partner").toString(), "--repo",
                tmp.resolve("recovered").toString(), "--paper-key", PaperKey.encode(f.key), "--key-file",
                tmp.resolve("recovered.key").toString());
        assertEquals(0, rec.exit(), rec.toString());

        assertEquals(before, contents(elsewhere), "a file outside the partner directory was changed or deleted");
        for (Path link : List.of(packDirLink, indexLink, tmpLink, manifestTmpLink)) {
            assertTrue(Files.isSymbolicLink(link), link + " was removed");
            assertTrue(warned().contains(link + " is a symlink"), link + " not warned about:\n" + warned());
        }
        // One line per link, however often a pass lists the directory.
        assertEquals(1, warnings.list.stream().filter(e -> e.getFormattedMessage().contains(packDirLink.toString())).count());

        CliRun.Result scrub = CliRun.run("scrub-hosted", tmp.resolve("partner").toString());
        assertEquals(1, scrub.exit(), scrub.toString());
        for (Path link : List.of(packDirLink, indexLink, tmpLink, manifestTmpLink)) {
            assertTrue(scrub.out().contains("unexpected: " + link + " is a symlink"), scrub.toString());
        }
        assertEquals(before, contents(elsewhere));
    }

    @Test
    void targetRefusesEveryPathThroughALinkAndTouchesNothingBehindIt() throws IOException {
        Path copy = Files.createDirectories(tmp.resolve("partner/pactfs-r1"));
        Files.writeString(copy.resolve("config"), "pactfs-partner-copy\nformat=1\nrepo_id=r1\n");
        Path elsewhere = victims();
        Files.createDirectories(elsewhere.resolve("aa"));
        Files.writeString(elsewhere.resolve("aa/.tmp-precious"), "x");
        Map<String, String> before = contents(elsewhere);
        PartnerTarget t = PartnerTargets.directory(copy);
        String name = "a".repeat(64);

        // A directory on the write path replaced by a link: save, load, stat, delete all refuse.
        Files.createSymbolicLink(copy.resolve("snapshots"), elsewhere);
        byte[] data = "payload".getBytes(StandardCharsets.US_ASCII);
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.save(PartnerTarget.Kind.SNAPSHOT, name, data));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.load(PartnerTarget.Kind.SNAPSHOT, name));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.stat(PartnerTarget.Kind.SNAPSHOT, name));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.delete(PartnerTarget.Kind.SNAPSHOT, name));
        assertEquals(List.of(), t.list(PartnerTarget.Kind.SNAPSHOT));
        assertTrue(t.sizes(PartnerTarget.Kind.SNAPSHOT).isEmpty());

        // A pack subdirectory that is a link, and a final name that is a link to a file.
        Files.createDirectories(copy.resolve("packs"));
        Files.createSymbolicLink(copy.resolve("packs/aa"), elsewhere.resolve("aa"));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.save(PartnerTarget.Kind.PACK, name, data));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.delete(PartnerTarget.Kind.PACK, name));
        Files.createDirectories(copy.resolve("index"));
        Path fileLink = Files.createSymbolicLink(copy.resolve("index/" + name), elsewhere.resolve("passwd"));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.load(PartnerTarget.Kind.INDEX, name));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t.save(PartnerTarget.Kind.INDEX, name, data));
        t.delete(PartnerTarget.Kind.INDEX, name); // not ours: left alone
        assertTrue(Files.isSymbolicLink(fileLink));
        assertEquals(List.of(), t.list(PartnerTarget.Kind.INDEX));
        assertEquals(List.of(), t.list(PartnerTarget.Kind.PACK));
        assertTrue(t.sizes(PartnerTarget.Kind.PACK).isEmpty());
        assertEquals(0, t.cleanup());

        // The copy directory itself a link: refused like any other.
        Path rootLink = Files.createSymbolicLink(tmp.resolve("partner/pactfs-r2"), elsewhere);
        PartnerTarget t2 = PartnerTargets.directory(rootLink);
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t2.save(PartnerTarget.Kind.INDEX, name, data));
        assertThrows(NoFollow.SymlinkPlantedException.class, () -> t2.load(PartnerTarget.Kind.CONFIG, "config"));
        assertEquals(0, t2.cleanup());

        assertEquals(before, contents(elsewhere));
        assertFalse(Files.exists(elsewhere.resolve("snapshots")));
        for (String link : List.of("snapshots", "packs/aa", "index/" + name)) {
            assertTrue(warned().contains(copy.resolve(link) + " is a symlink"), link + ":\n" + warned());
        }
        assertTrue(warned().contains(rootLink + " is a symlink"), warned());
    }
}
