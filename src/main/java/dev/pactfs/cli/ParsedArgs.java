package dev.pactfs.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * A command's parsed arguments spelled back as a command line, from picocli's model: what {@code mount} hands the
 * daemon it detaches, so an option added to {@code mount} reaches the daemon without code here. Values are the
 * strings the user typed; those of {@link Path} options and parameters are made absolute, so they mean the same
 * from any working directory.
 */
final class ParsedArgs {

    private ParsedArgs() {
    }

    /** Every matched option (but those named in {@code leaveOut}) as {@code --name=value}, then the parameters. */
    static List<String> of(ParseResult parsed, Set<String> leaveOut) {
        List<String> args = new ArrayList<>();
        for (OptionSpec opt : parsed.matchedOptions()) {
            if (leaveOut.contains(opt.longestName())) {
                continue;
            }
            if (opt.arity().max == 0) {
                args.add(opt.longestName());
                continue;
            }
            for (String v : opt.originalStringValues()) {
                args.add(opt.longestName() + "=" + value(opt, v));
            }
        }
        for (PositionalParamSpec p : parsed.matchedPositionals()) {
            for (String v : p.originalStringValues()) {
                args.add(value(p, v));
            }
        }
        return args;
    }

    private static String value(ArgSpec arg, String v) {
        return arg.type() == Path.class ? Cli.resolve(Path.of(v)).normalize().toString() : v;
    }
}
