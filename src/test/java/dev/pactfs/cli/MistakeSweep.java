package dev.pactfs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The ordinary mistakes of {@link UserMistakesTest}, over every command picocli knows of (so a new command is swept
 * without anyone listing it). Free of JUnit: {@link #main} runs the cases that need an unprivileged user in a child
 * JVM started as nobody, where root's permission bypass does not hide an unreadable file.
 */
final class MistakeSweep {

    /** One runnable command: its words after "pactfs" and its model. */
    record Leaf(List<String> words, CommandSpec spec) {
        String name() {
            return String.join(" ", words);
        }

        boolean has(String option) {
            return spec.findOption(option) != null;
        }

        /** init and recover make the repo they are given, so a missing or empty one is no mistake for them. */
        boolean makesRepo() {
            OptionSpec repo = spec.findOption("--repo");
            return repo != null && String.join(" ", repo.description()).contains("new or empty");
        }
    }

    /** The files a sweep uses: a real repo with its keys, and the wrong things a user may name instead. */
    record Fixture(Path base, Path repo, Path keyFile, Path passFile) {
        Path regularFile() {
            return base.resolve("a-file");
        }

        Path notRepo() {
            return base.resolve("not-a-repo");
        }

        /** The partner directory the repo was made with (recover's --partner). */
        Path partner() {
            return base.resolve("partner");
        }

        Path missing() {
            return base.resolve("no-such-thing");
        }

        /** A fresh empty directory (a mountpoint, a partner directory, a scrub target). */
        Path emptyDir() throws IOException {
            return Files.createTempDirectory(base, "empty-");
        }

        /** Creates the wrong things beside an existing repo. */
        static Fixture around(Path base, Path repo, Path keyFile, Path passFile) throws IOException {
            Fixture f = new Fixture(base, repo, keyFile, passFile);
            Files.writeString(f.regularFile(), "not a repo, not a key\n");
            Files.createDirectories(f.notRepo());
            Files.writeString(f.notRepo().resolve("notes.txt"), "just a directory\n");
            return f;
        }
    }

    /** A command line, what it should show, and what came of it. */
    record Case(String mistake, List<String> args) {
        /**
         * Null when the result is one line on stderr, a non-zero exit other than "bug", and no trace. A mount's
         * progress lines ("pactfs mount: opening REPO") come before any fault is known and are not counted.
         */
        String problem(CliRun.Result r) {
            List<String> lines = r.err().lines().filter(l -> !l.isBlank())
                    .filter(l -> !l.startsWith(MountCommand.PROGRESS)).toList();
            if (r.exit() == 0 || r.exit() == Main.EXIT_BUG) {
                return "exit " + r.exit();
            }
            if (lines.size() != 1) {
                return lines.size() + " lines on stderr";
            }
            String e = r.err();
            if (e.contains("internal error") || e.contains("Exception") || e.contains("\tat ")) {
                return "a Java trace or exception name";
            }
            return null;
        }

        String describe(CliRun.Result r) {
            return "pactfs " + String.join(" ", args) + "  [" + mistake + "]: " + problem(r) + "\n  exit " + r.exit()
                    + ", stderr: " + r.err().strip().replace("\n", "\n    ");
        }
    }

    /** What a command needs beyond its required arguments to get as far as its repo (forget refuses to keep nothing). */
    static final Map<String, List<String>> VALID_EXTRAS = Map.of("forget", List.of("--keep-last", "1"));

    private MistakeSweep() {
    }

    /** Every command that runs (not a group like "snapshot", not help), each once even when it has aliases. */
    static List<Leaf> leaves() {
        List<Leaf> out = new ArrayList<>();
        collect(new CommandLine(new Main()), List.of(), out, new IdentityHashMap<>());
        return out;
    }

    private static void collect(CommandLine cl, List<String> words, List<Leaf> out, Map<CommandLine, Boolean> seen) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            CommandLine sub = e.getValue();
            if (seen.put(sub, true) != null || sub.getCommand() instanceof CommandLine.HelpCommand) {
                continue;
            }
            List<String> w = new ArrayList<>(words);
            w.add(sub.getCommandName());
            if (sub.getSubcommands().isEmpty()) {
                out.add(new Leaf(w, sub.getCommandSpec()));
            } else {
                collect(sub, w, out, seen);
            }
        }
    }

    /** The ordinary mistakes for one command that need no particular user. */
    static List<Case> cases(Leaf leaf, Fixture f) throws IOException {
        List<Case> out = new ArrayList<>();
        if (leaf.has("--repo")) {
            out.add(new Case("no --repo", line(leaf, f, null, List.of())));
            out.add(new Case("--repo is a regular file", line(leaf, f, f.regularFile(), List.of())));
            out.add(new Case("--repo is a directory that is not a repo", line(leaf, f, f.notRepo(), List.of())));
            if (!leaf.makesRepo()) {
                out.add(new Case("--repo does not exist", line(leaf, f, f.missing(), List.of())));
                if (leaf.has("--key-file")) {
                    out.add(new Case("--key-file does not exist", line(leaf, f, f.repo(), List.of("--key-file", f.missing().toString()))));
                    out.add(new Case("--key-file is a directory", line(leaf, f, f.repo(), List.of("--key-file", f.notRepo().toString()))));
                    out.add(new Case("--key-file is not a key", line(leaf, f, f.repo(), List.of("--key-file", f.regularFile().toString()))));
                }
                if (leaf.has("--passphrase-file")) {
                    out.add(new Case("--passphrase-file does not exist", line(leaf, f, f.repo(), List.of("--passphrase-file", f.missing().toString()))));
                    out.add(new Case("--passphrase-file is a directory", line(leaf, f, f.repo(), List.of("--passphrase-file", f.notRepo().toString()))));
                    out.add(new Case("wrong passphrase", line(leaf, f, f.repo(), List.of("--passphrase-file", f.regularFile().toString()))));
                }
            } else if (leaf.has("--passphrase-file")) {
                out.add(new Case("--passphrase-file does not exist", line(leaf, f, f.base().resolve("new-" + leaf.words().get(0)),
                        List.of("--passphrase-file", f.missing().toString()))));
            }
        } else {
            for (PositionalParamSpec p : leaf.spec().positionalParameters()) {
                if (p.type() == Path.class) {
                    out.add(new Case(p.paramLabel() + " does not exist", swapPath(line(leaf, f, null, List.of()), p, f.missing())));
                    out.add(new Case(p.paramLabel() + " is a regular file", swapPath(line(leaf, f, null, List.of()), p, f.regularFile())));
                }
            }
        }
        return out;
    }

    /** The mistakes that only show for a user without root's bypass: the caller makes these files unreadable. */
    static List<Case> unreadableCases(Leaf leaf, Fixture f, Path unreadableDir, Path unreadableFile) throws IOException {
        List<Case> out = new ArrayList<>();
        if (leaf.has("--repo") && !leaf.makesRepo()) {
            out.add(new Case("--repo is unreadable", line(leaf, f, unreadableDir, List.of())));
            if (leaf.has("--key-file")) {
                out.add(new Case("--key-file is unreadable", line(leaf, f, f.repo(), List.of("--key-file", unreadableFile.toString()))));
            }
            if (leaf.has("--passphrase-file")) {
                out.add(new Case("--passphrase-file is unreadable", line(leaf, f, f.repo(), List.of("--passphrase-file", unreadableFile.toString()))));
            }
        }
        return out;
    }

    /**
     * A command line that would work but for the mistake: every required option and parameter has a plausible
     * value (the repo's key unless {@code key} names another source); {@code repo} null leaves --repo out.
     */
    private static List<String> line(Leaf leaf, Fixture f, Path repo, List<String> key) throws IOException {
        List<String> args = new ArrayList<>(leaf.words());
        CommandSpec spec = leaf.spec();
        if (repo != null) {
            args.add("--repo");
            args.add(repo.toString());
        }
        if (!key.isEmpty()) {
            args.addAll(key);
        } else if (leaf.has("--key-file") && !leaf.makesRepo()) {
            args.add("--key-file");
            args.add(f.keyFile().toString());
        } else if (leaf.makesRepo() && leaf.has("--passphrase-file")) {
            args.add("--passphrase-file");
            args.add(f.passFile().toString());
        }
        for (OptionSpec o : spec.options()) {
            if (o.required() && !o.longestName().equals("--repo") && o.group() == null) {
                args.add(o.longestName());
                args.add(o.longestName().equals("--partner") ? f.partner().toString() : f.emptyDir().toString());
            }
        }
        args.addAll(VALID_EXTRAS.getOrDefault(leaf.name(), List.of()));
        for (ArgGroupSpec g : spec.argGroups()) {
            if (g.multiplicity().min() > 0) {
                OptionSpec first = g.options().get(0);
                args.add(first.longestName());
                if (first.arity().min() > 0) {
                    args.add(f.base().resolve("out-" + args.size()).toString());
                }
            }
        }
        for (PositionalParamSpec p : spec.positionalParameters()) {
            if (p.arity().min() == 0) {
                continue;
            }
            // An existing input for the first (put's FILE, restore's SNAPSHOT), a fresh output name for the others,
            // an empty directory for a path (a mountpoint, a partner directory).
            if (p.type() == Path.class) {
                args.add(f.emptyDir().toString());
            } else if (p.paramLabel().equals("NAME")) {
                args.add("swept"); // a name inside the repo (put, get): plain, no '/'
            } else if (p.index().min() == 0) {
                args.add(f.regularFile().toString());
            } else {
                args.add(f.base().resolve("out-" + leaf.words().get(0) + "-" + args.size()).toString());
            }
        }
        return args;
    }

    private static List<String> swapPath(List<String> args, PositionalParamSpec p, Path value) {
        List<String> out = new ArrayList<>(args);
        int first = out.size() - (int) positionalCount(args, p);
        out.set(first + p.index().min(), value.toString());
        return out;
    }

    private static long positionalCount(List<String> args, PositionalParamSpec p) {
        return p.command().positionalParameters().stream().filter(q -> q.arity().min() > 0).count();
    }

    /** Runs the cases; returns what went wrong, one paragraph per case. */
    static List<String> run(List<Case> cases) {
        List<String> failures = new ArrayList<>();
        for (Case c : cases) {
            CliRun.Result r = CliRun.run(c.args().toArray(String[]::new));
            if (c.problem(r) != null) {
                failures.add(c.describe(r));
            }
        }
        return failures;
    }

    /**
     * Child JVM entry (run as nobody): BASE REPO KEYFILE PASSFILE UNREADABLE-DIR UNREADABLE-FILE; prints each
     * failure and exits 1 if there was one.
     */
    public static void main(String[] a) throws IOException {
        Fixture f = new Fixture(Path.of(a[0]), Path.of(a[1]), Path.of(a[2]), Path.of(a[3]));
        List<Case> cases = new ArrayList<>();
        for (Leaf leaf : leaves()) {
            cases.addAll(unreadableCases(leaf, f, Path.of(a[4]), Path.of(a[5])));
        }
        List<String> failures = run(cases);
        System.out.println(cases.size() + " cases");
        for (String s : failures) {
            System.out.println(s);
        }
        System.out.flush();
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
