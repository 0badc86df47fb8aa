package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of the daemon in the middle of an {@code rsync -aHAX --log-file=...} of a small-file tree (issue 15's
 * durability contract: every operation that returned before the kill survives it). After a remount, every file the
 * rsync log reports done before the kill is intact (content, mode, owner, times, xattrs; a symlink's target), and
 * a rerun of the same rsync completes the tree to an exact copy of the source.
 *
 * <p>The rsync is a pull (through a pass-through remote shell) so that its log is the receiver's. The receiver logs
 * a file when its data is received but before it closes the temporary file, sets its
 * attributes and renames it into place (receiver.c: log_item, then close and finish_transfer). The last file it
 * logged may therefore still be unfinished when the daemon dies; every earlier one was finished before the
 * receiver went on to the next. Symlinks and hard links are logged by the generator after they are made.
 */
@Tag("mount")
class KillDuringRsyncMountTest {
    @RegisterExtension
    final MountFixture fx = new MountFixture();

    static final int FILES = 1500;

    /** A logged entry: "2026/12/06 17:30:00 [1234] >f+++++++++ top1/sub2/f0042.dat" (the default format, %i %n%L). */
    static final Pattern ITEM = Pattern.compile("^\\S+ \\S+ \\[\\d+\\] ([<>ch.*][fdLDS]\\S{9}) (.+)$");

    /** What a finished file must have kept; nlink waits for the rest of its hard-link group, inode numbers differ. */
    static final Set<TreeManifest.Field> INTACT = EnumSet.complementOf(
            EnumSet.of(TreeManifest.Field.NLINK, TreeManifest.Field.INO));

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void filesRsyncLoggedBeforeKill9AreIntactAndARerunCompletesTheTree() throws Exception {
        Path src = fx.base().resolve("src");
        SmallFileTree tree = SmallFileTree.write(src, FILES, 15);
        TreeManifest expected = TreeManifest.of(src);
        Path log = fx.base().resolve("rsync.log");
        String dst = fx.mnt().resolve("dst").toString();
        // A pull through a pass-through "remote shell": the local rsync is then the receiver, which writes the log.
        // In a plain local copy the sender writes it, after sending a file, up to a pipe's worth (~17 small files
        // measured) ahead of the receiver's renames: "logged" would not mean "done".
        Path rsh = fx.base().resolve("local-rsh");
        Files.writeString(rsh, "#!/bin/sh\nshift\nexec \"$@\"\n"); // drops the host name, runs the rest here
        rsh.toFile().setExecutable(true);
        List<String> argv = List.of("setsid", "rsync", "-aHAX", "--numeric-ids", "--delete", "-e", rsh.toString(),
                "--log-file=" + log, "localhost:" + src + "/", dst + "/");
        Process rsync = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(fx.base().resolve("rsync.out").toFile()).start();
        List<String> logged;
        try {
            logged = waitForTransferred(log, rsync, FILES / 3);
            fx.kill9(); // the daemon dies; its mount is detached; rsync's next file system call fails
            // rsync goes on through the rest of its list, each file failing with ENOTCONN; with thousands of error
            // messages its three processes may also stall on each other's pipes (seen: all three in poll). How rsync
            // ends is not what this test is about: give it a moment, then stop it as an admin would.
            if (!rsync.waitFor(20, TimeUnit.SECONDS)) {
                System.err.println("rsync still running 20 s after the daemon's kill -9; killing it:\n" + processes(rsync));
            }
        } finally {
            rsync.descendants().forEach(ProcessHandle::destroyForcibly);
            rsync.destroyForcibly();
            rsync.waitFor(30, TimeUnit.SECONDS);
        }

        fx.mount();
        TreeManifest afterCrash = TreeManifest.of(fx.mnt().resolve("dst"));
        int checked = checkLogged(logged, expected, afterCrash);
        assertTrue(checked >= FILES / 3, "only " + checked + " logged entries checked");

        // The same command again completes the tree: an exact copy of the source (temporary files of the killed run
        // go with --delete), and rsync's quick check skipped what had survived.
        String rerun = fx.in(fx.base(), "rsync -aHAX --numeric-ids --delete --stats -e \"$BASE/local-rsh\""
                + " \"localhost:$BASE/src/\" \"$BASE/mnt/dst/\"")
                .ok().out();
        TreeManifest.assertSame(expected, TreeManifest.of(fx.mnt().resolve("dst")), TreeManifest.DEFAULT);
        long transferred = RsyncMountTest.stat(rerun, "Number of regular files transferred");
        assertTrue(transferred <= tree.files - (FILES / 3 - 1),
                "the rerun transferred " + transferred + " files: the ones that survived the kill must be skipped\n" + rerun);
        // and that state is what the catalog holds.
        fx.remount();
        TreeManifest.assertSame(expected, TreeManifest.of(fx.mnt().resolve("dst")), TreeManifest.DEFAULT);
    }

    /** Polls rsync's log until it reports {@code files} regular files received; returns the log's lines then. */
    private List<String> waitForTransferred(Path log, Process rsync, int files) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
        while (System.nanoTime() < deadline) {
            List<String> lines = readLines(log);
            if (lines.stream().filter(l -> l.matches(".*\\] >f\\S* .*")).count() >= files) {
                return lines;
            }
            assertTrue(rsync.isAlive(), "rsync ended before the kill (exit " + (rsync.isAlive() ? "" : rsync.exitValue())
                    + "):\n" + output());
            Thread.sleep(50);
        }
        throw new AssertionError("rsync did not log " + files + " files within 6 minutes:\n" + output());
    }

    /**
     * Every regular file, hard link and symlink the log reported before the kill, except the last regular file
     * (possibly not yet renamed into place), compared with the source. Returns how many were checked.
     */
    static int checkLogged(List<String> logged, TreeManifest expected, TreeManifest actual) {
        List<String[]> items = new ArrayList<>();
        int lastFile = -1;
        for (String line : logged) {
            Matcher m = ITEM.matcher(line);
            if (m.matches()) {
                items.add(new String[] {m.group(1), m.group(2)});
                if (m.group(1).startsWith(">f")) {
                    lastFile = items.size() - 1;
                }
            }
        }
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (int i = 0; i < items.size(); i++) {
            String code = items.get(i)[0];
            String name = items.get(i)[1];
            if (i == lastFile || !(code.startsWith(">f") || code.startsWith("hf") || code.startsWith("cL"))) {
                continue;
            }
            name = name.replaceFirst(" (=>|->) .*$", ""); // %L: a hard link's or symlink's target
            TreeManifest.Entry want = expected.get(name);
            assertNotNull(want, "rsync logged " + name + ", which is not in the source");
            TreeManifest.Entry got = actual.get(name);
            if (got == null) {
                bad.add(name + ": missing after the remount (logged as " + code + ")");
            } else if (!want.describe(INTACT).equals(got.describe(INTACT))) {
                bad.add(name + ":\n  source " + want.describe(INTACT) + "\n  mount  " + got.describe(INTACT));
            }
            checked++;
        }
        assertEquals(List.of(), bad, bad.size() + " of " + checked + " entries rsync logged before the kill -9 are not"
                + " intact after the remount");
        return checked;
    }

    /** State, kernel wait channel and stack of rsync's processes (why one hangs). */
    private static String processes(Process rsync) {
        StringBuilder b = new StringBuilder();
        java.util.stream.Stream.concat(java.util.stream.Stream.of(rsync.toHandle()), rsync.descendants()).forEach(h -> {
            Path proc = Path.of("/proc", Long.toString(h.pid()));
            for (String f : List.of("stat", "wchan", "stack")) {
                try {
                    b.append(h.pid()).append(' ').append(f).append(": ")
                            .append(Files.readString(proc.resolve(f), StandardCharsets.UTF_8).trim()).append('\n');
                } catch (IOException e) {
                    b.append(h.pid()).append(' ').append(f).append(": ").append(e).append('\n');
                }
            }
        });
        return b.toString();
    }

    private String output() {
        try {
            return Sh.tail(Files.readString(fx.base().resolve("rsync.out"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return "<no rsync output: " + e + ">";
        }
    }

    /** The log's complete lines (rsync may be half-way through writing the last one). */
    private static List<String> readLines(Path log) {
        try {
            if (!Files.exists(log)) {
                return List.of();
            }
            String s = Files.readString(log, StandardCharsets.UTF_8);
            return s.lastIndexOf('\n') < 0 ? List.of() : List.of(s.substring(0, s.lastIndexOf('\n')).split("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
