package dev.pactfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Help.Ansi;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes a man page per command (troff, section 1: {@code pactfs.1}, {@code pactfs-mount.1}, ...) from picocli's
 * model, at build time for the .deb ({@code src/deb/stage.sh}), so the pages say what {@code --help} says. Not
 * picocli-codegen's ManPageGenerator: it writes AsciiDoc, which needs Asciidoctor (a Ruby runtime in the build)
 * to become a man page.
 */
public final class ManPages {

    private ManPages() {
    }

    /** {@code ManPages DIR}: writes the pages into DIR. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ManPages DIR");
            System.exit(Main.EXIT_USAGE);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        write(new CommandLine(new Main()), dir);
    }

    private static void write(CommandLine cl, Path dir) throws IOException {
        CommandSpec spec = cl.getCommandSpec();
        String page = spec.qualifiedName("-");
        Files.writeString(dir.resolve(page + ".1"), page(cl), StandardCharsets.UTF_8);
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().name().equals(sub.getCommandName())) { // once per command, not per alias
                write(sub, dir);
            }
        }
    }

    /** The troff text of one command's page. */
    static String page(CommandLine cl) {
        CommandSpec spec = cl.getCommandSpec();
        String page = spec.qualifiedName("-");
        String version = new Main.Version().getVersion()[0];
        StringBuilder t = new StringBuilder();
        t.append(".TH \"").append(page.toUpperCase()).append("\" 1 \"\" \"").append(esc(version))
                .append("\" \"pactfs manual\"\n");
        String[] description = spec.usageMessage().description();
        t.append(".SH NAME\n").append(esc(page)).append(" \\- ")
                .append(esc(description.length > 0 ? firstSentence(description[0]) : spec.qualifiedName())).append('\n');
        CommandLine.Help help = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(Ansi.OFF));
        t.append(".SH SYNOPSIS\n.nf\n").append(esc(help.synopsis(0).stripTrailing())).append("\n.fi\n");
        if (description.length > 0) {
            t.append(".SH DESCRIPTION\n").append(paragraphs(List.of(description)));
        }
        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            t.append(".SH ARGUMENTS\n");
            for (PositionalParamSpec p : params) {
                t.append(".TP\n\\fI").append(esc(p.paramLabel())).append("\\fR\n")
                        .append(paragraphs(List.of(p.description())));
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            t.append(".SH OPTIONS\n");
            for (OptionSpec o : options) {
                t.append(".TP\n").append(String.join(", ", List.of(o.names()).stream().map(n -> "\\fB" + esc(n) + "\\fR").toList()));
                if (o.arity().max > 0) {
                    t.append("=\\fI").append(esc(o.paramLabel())).append("\\fR");
                }
                t.append('\n').append(paragraphs(List.of(o.description())));
            }
        }
        List<String> subs = cl.getSubcommands().values().stream()
                .filter(s -> s.getCommandSpec().name().equals(s.getCommandName()))
                .map(s -> s.getCommandSpec().qualifiedName("-")).toList();
        if (!subs.isEmpty()) {
            t.append(".SH COMMANDS\n");
            for (CommandLine s : cl.getSubcommands().values()) {
                if (s.getCommandSpec().name().equals(s.getCommandName())) {
                    String[] d = s.getCommandSpec().usageMessage().description();
                    t.append(".TP\n\\fB").append(esc(s.getCommandSpec().qualifiedName("-"))).append("\\fR(1)\n")
                            .append(paragraphs(d.length > 0 ? List.of(firstSentence(d[0])) : List.of()));
                }
            }
        }
        String[] footer = spec.usageMessage().footer();
        if (footer.length > 0) { // the examples --help ends with
            t.append(".SH EXAMPLES\n.nf\n").append(esc(String.join("\n", footer).replace("%n", "")
                    .replaceFirst("^Examples?:\n", ""))).append("\n.fi\n");
        }
        t.append(".SH SEE ALSO\n");
        if (spec.parent() != null) {
            t.append("\\fB").append(esc(spec.parent().qualifiedName("-"))).append("\\fR(1), ");
        }
        t.append("\\fBmount.pactfs\\fR and the admin guide in /usr/share/doc/pactfs/\n");
        return t.toString();
    }

    private static String paragraphs(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            b.append(esc(l.replace("%n", "\n"))).append('\n');
        }
        return b.toString();
    }

    private static String firstSentence(String s) {
        int dot = s.indexOf(". ");
        return dot < 0 ? s : s.substring(0, dot + 1);
    }

    /** troff-escaped text: backslashes and hyphens, and no line starting with a control character. */
    static String esc(String s) {
        String e = s.replace("\\", "\\e").replace("-", "\\-");
        StringBuilder b = new StringBuilder();
        for (String line : e.split("\n", -1)) {
            if (b.length() > 0) {
                b.append('\n');
            }
            if (line.startsWith(".") || line.startsWith("'")) {
                b.append("\\&");
            }
            b.append(line);
        }
        return b.toString();
    }
}
