package dev.pactfs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The fstab {@code -o} spelling of every option of {@code pactfs mount}, read from picocli's model rather than
 * listed by hand, so an option added to the command has its fstab form at once: the long name without its dashes,
 * with {@code _} for {@code -} ({@code --snapshot-every 24h} is {@code snapshot_every=24h}, {@code --key-file F} is
 * {@code key_file=F}); an option that takes no value is its name alone. Everything else in {@code -o} is a FUSE or
 * mount(8) option and stays one.
 */
final class FstabOptions {

    /**
     * Options with no fstab spelling: the line's own fields (the repo is the source, the mountpoint its second
     * field), {@code -o} itself, {@code --foreground} (mount(8) waits for a helper that returns) and picocli's help.
     */
    static final Set<String> NOT_IN_FSTAB = Set.of("--repo", "-o", "--foreground", "--help", "--version");

    /** The daemon options found in an {@code -o} list, as command-line arguments, and the rest. */
    record Split(List<String> daemonArgs, List<String> mountOptions) {
    }

    private FstabOptions() {
    }

    /** {@code opt}'s fstab name: {@code --snapshot-every} is {@code snapshot_every}. */
    static String spelling(OptionSpec opt) {
        return opt.longestName().replaceFirst("^-+", "").replace('-', '_');
    }

    /** The option of {@code mount} that an fstab name stands for, or null when it is not one of ours. */
    static OptionSpec option(CommandSpec mount, String fstabName) {
        OptionSpec opt = mount.findOption("--" + fstabName.replace('_', '-'));
        return opt == null || NOT_IN_FSTAB.contains(opt.longestName()) ? null : opt;
    }

    /** Sorts {@code -o} entries into daemon options (spelled {@code --name=value}) and mount/FUSE options. */
    static Split split(CommandSpec mount, List<String> options) throws UserError {
        List<String> daemon = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (String o : options) {
            int eq = o.indexOf('=');
            String name = eq < 0 ? o : o.substring(0, eq);
            OptionSpec opt = name.isEmpty() ? null : option(mount, name);
            if (opt == null) {
                rest.add(o);
            } else if (opt.arity().max == 0) {
                if (eq >= 0) {
                    throw new UserError("mount option " + name + " takes no value: write " + name + " alone");
                }
                daemon.add(opt.longestName());
            } else {
                if (eq < 0 || eq == o.length() - 1) {
                    throw new UserError("mount option " + name + " needs a value: " + name + "=" + opt.paramLabel());
                }
                daemon.add(opt.longestName() + "=" + o.substring(eq + 1));
            }
        }
        return new Split(daemon, rest);
    }
}
