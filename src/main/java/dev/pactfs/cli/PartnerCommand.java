package dev.pactfs.cli;

import dev.pactfs.store.PartnerReset;
import dev.pactfs.store.RepoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pactfs partner set}: adds a partner to a repo made without one, or moves it to another directory. */
@Command(name = "partner", mixinStandardHelpOptions = true, description = "Manage the repo's partner copy.",
        subcommands = PartnerCommand.Set.class)
final class PartnerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: set");
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Add a partner to a repo made without one, or move it to DIR (a mounted share). The copy in"
                    + " DIR starts from the full set: the next replication (mount, or `replicate --once`) sends every"
                    + " blob and snapshot record; the old copy is left as it is (delete it yourself).",
                "Refused while the repo is mounted (unmount first), and while a cache limit has evicted blobs whose"
                        + " only copy is at the old partner."},
            footer = {"", "Example:", "  pactfs partner set --repo /var/lib/pactfs/acme /mnt/partner-nfs",
                    "  pactfs replicate --repo /var/lib/pactfs/acme --once"})
    static final class Set implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Parameters(index = "0", paramLabel = "DIR", description = "The partner's directory.")
        Path partner;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Path dir = Cli.resolve(repo);
            Path to = Cli.resolve(partner).normalize();
            if (DaemonContext.current() != null) {
                throw new UserError("repo " + dir + " is mounted: unmount it, then run partner set (the daemon"
                        + " replicates to the partner it was started with)");
            }
            if (!Files.isDirectory(to)) {
                throw new UserError("partner directory " + to + " does not exist (is the partner share mounted?)");
            }
            try (OpenRepo r = OpenRepo.open(dir, keys)) {
                if (to.equals(r.config.partner())) {
                    throw new UserError(to + " is the partner already");
                }
                Path copy = PartnerLayout.dirFor(to, r.config.repoId());
                if (Files.exists(copy)) {
                    throw new UserError(copy + " exists already: remove it, or name another directory");
                }
                r.catalog.transaction(tx -> {
                    PartnerReset.startOver(tx);
                    return null;
                });
                PartnerLayout.create(to, r.config.repoId());
                RepoConfig moved = r.config.withPartner(to);
                moved.write(dir);
                spec.commandLine().getErr().println((r.config.partner() == null ? "partner added: " : "partner moved"
                        + " from " + r.config.partner() + " to ") + copy + "; the next replication sends every blob and"
                        + " snapshot record there");
                return 0;
            }
        }
    }
}
