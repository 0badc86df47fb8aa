package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command an admin runs shows an example in its {@code --help} (issue 16: "--help of each command ... show an
 * example per command"), and the example names the command itself, so a renamed command cannot keep a stale one.
 */
class HelpExamplesTest {

    @Test
    void everyLeafCommandsHelpEndsWithAnExampleOfItself() {
        List<String> missing = new ArrayList<>();
        walk(new CommandLine(new Main()), missing);
        assertEquals(List.of(), missing, "commands whose --help has no example of themselves");
    }

    private static void walk(CommandLine cl, List<String> missing) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
                continue;
            }
            if (!sub.getSubcommands().isEmpty()) {
                walk(sub, missing);
                continue;
            }
            String name = sub.getCommandSpec().qualifiedName(" ");
            String help = sub.getUsageMessage(CommandLine.Help.Ansi.OFF);
            int at = help.indexOf("Example");
            String after = at < 0 ? "" : help.substring(at);
            if (!after.contains(name + " ") && !after.contains(name + "\n")) {
                missing.add(name);
            }
        }
    }
}
