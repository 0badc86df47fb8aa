package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Every option of `pactfs mount` has an fstab -o spelling, read from picocli's model, and the guide lists it. */
class FstabOptionsTest {

    static CommandSpec mountSpec() {
        return new CommandLine(new Main()).getSubcommands().get("mount").getCommandSpec();
    }

    /** The daemon options: every option of mount but the fstab line's own fields and picocli's help. */
    static List<OptionSpec> daemonOptions() {
        return mountSpec().options().stream().filter(o -> !FstabOptions.NOT_IN_FSTAB.contains(o.longestName())).toList();
    }

    private static String sample(OptionSpec o) {
        return o.type() == Path.class ? "/etc/pactfs/some file" : o.type() == int.class || o.type() == Integer.class ? "5" : "7s";
    }

    @Test
    void everyDaemonOptionReachesItsFieldFromAnFstabSpelling() {
        List<OptionSpec> options = daemonOptions();
        assertTrue(options.size() >= 8, "mount's options: " + options.stream().map(OptionSpec::longestName).toList());
        for (OptionSpec o : options) {
            String fstab = FstabOptions.spelling(o) + (o.arity().max == 0 ? "" : "=" + sample(o));
            FstabOptions.Split split;
            try {
                split = FstabOptions.split(mountSpec(), List.of("allow_other", fstab, "ro"));
            } catch (UserError e) {
                throw new AssertionError(fstab + ": " + e.getMessage(), e);
            }
            assertEquals(List.of("allow_other", "ro"), split.mountOptions(), fstab);
            // what the command does with them: parse them as the arguments they became
            List<String> args = new ArrayList<>(List.of("mount", "--repo", "/r", "/m"));
            args.addAll(split.daemonArgs());
            CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(new String[0])).subcommand();
            OptionSpec matched = parsed.matchedOption(o.longestName());
            assertTrue(matched != null, fstab + " did not set " + o.longestName() + ": " + split.daemonArgs());
            if (o.arity().max > 0) {
                assertEquals(List.of(sample(o)), matched.originalStringValues(), fstab);
            }
        }
    }

    @Test
    void theSpellingsOfTodaysOptions() {
        List<String> names = daemonOptions().stream().map(FstabOptions::spelling).toList();
        for (String n : List.of("snapshot_every", "snapshot_when_idle", "bandwidth", "warm_up", "partner_timeout", "key_file",
                "passphrase_file", "paper_key")) {
            assertTrue(names.contains(n), n + " in " + names);
        }
        assertTrue(FstabOptions.option(mountSpec(), "repo") == null, "the repo is the fstab line's source field");
        assertTrue(FstabOptions.option(mountSpec(), "allow_other") == null, "a FUSE option stays one");
    }

    @Test
    void aValueMissingOrOneTooManyIsOneClearLine() {
        UserError missing = org.junit.jupiter.api.Assertions.assertThrows(UserError.class,
                () -> FstabOptions.split(mountSpec(), List.of("snapshot_every")));
        assertEquals("mount option snapshot_every needs a value: snapshot_every=DURATION", missing.getMessage());
    }

    /** The fstab spelling goes through the same checks as the option typed on the command line. */
    @Test
    void anFstabOptionIsCheckedLikeTheCommandLineOne(@TempDir Path tmp) throws Exception {
        Path mnt = Files.createDirectory(tmp.resolve("m"));
        CliRun.Result r = CliRun.run("mount", "--repo", tmp.resolve("r").toString(), "-o", "allow_other,snapshot_every=soon",
                mnt.toString());
        assertEquals(1, r.exit(), r.toString());
        assertEquals("pactfs: bad duration 'soon': use e.g. 30s, 15m, 6h, 1d or PT6H", r.err().strip());
    }

    /** docs/admin-guide.md's fstab table names every spelling, and no option mount does not have. */
    @Test
    void theAdminGuideTableListsEveryOption() throws Exception {
        String guide = Files.readString(Path.of("docs/admin-guide.md"));
        int from = guide.indexOf("<!-- fstab-options -->");
        int to = guide.indexOf("<!-- /fstab-options -->");
        assertTrue(from >= 0 && to > from, "docs/admin-guide.md needs the fstab table between <!-- fstab-options --> markers");
        List<String> documented = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z_]+)[=`]").matcher(guide.substring(from, to));
        while (m.find()) {
            documented.add(m.group(1));
        }
        List<String> expected = daemonOptions().stream().map(FstabOptions::spelling).sorted().toList();
        assertEquals(expected, documented.stream().sorted().toList(), "fstab options in docs/admin-guide.md");
    }
}
