package dev.pactfs.cli;

import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.store.PartnerReset;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.ServePartner;
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

/**
 * {@code pactfs partner set}: adds a partner to a repo made without one, moves it to another directory, or pairs
 * the repo with a {@code pactfs serve} host.
 */
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
                "Or pair the repo with a `pactfs serve` host (pactfs://HOST:PORT), using the code `pactfs serve pair`"
                    + " printed there, read from --pair-file (never the code itself on the command line): for a repo"
                    + " without a partner, or to re-pair with the same host (a re-armed tenant, a recovered repo).",
                "Refused while the repo is mounted (unmount first), and while a cache limit has evicted blobs whose"
                        + " only copy is at the old partner."},
            footer = {"", "Example:", "  pactfs partner set --repo /var/lib/pactfs/acme /mnt/partner-nfs",
                    "  pactfs replicate --repo /var/lib/pactfs/acme --once",
                    "  pactfs partner set --repo /var/lib/pactfs/acme pactfs://backup.example:8443 --pair-file code.txt"})
    static final class Set implements Callable<Integer> {
        /** Called between the steps of a move with the step's name; tests make it throw to stand for a crash. */
        static volatile java.util.function.Consumer<String> fault = step -> { };

        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Parameters(index = "0", paramLabel = "DIR|pactfs://HOST:PORT", description = "The partner's directory, or a"
                + " `pactfs serve` host.")
        String target;

        @Option(names = "--pair-file", paramLabel = "FILE|-",
                description = "With pactfs://: the file holding the pairing code (- reads stdin).")
        Path pairFile;

        @Mixin
        KeyOptions keys;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws IOException {
            Path dir = Cli.resolve(repo);
            if (DaemonContext.current() != null) {
                throw new UserError("repo " + dir + " is mounted: unmount it, then run partner set (the daemon"
                        + " replicates to the partner it was started with)");
            }
            if (ServePartner.isUri(target)) {
                return pairWithHost(dir);
            }
            if (pairFile != null) {
                throw new UserError("--pair-file goes with a pactfs://HOST:PORT partner, not a directory");
            }
            Path to = Cli.resolve(Path.of(target)).normalize();
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
                // Crash-safe order: intent, new config (atomic rename), then clear the old copy's state; an open
                // after a crash finishes or drops the intent (OpenRepo), so the catalog never forgets the state of
                // the partner the config still names.
                RepoConfig moved = r.config.withPartner(to);
                r.catalog.transaction(tx -> {
                    PartnerReset.intend(tx, moved.partnerName());
                    return null;
                });
                r.catalog.sync(); // the intent on the device before the config that relies on it
                PartnerLayout.create(to, r.config.repoId());
                fault.accept("before-config");
                moved.write(dir);
                fault.accept("after-config");
                r.catalog.transaction(tx -> PartnerReset.completePending(tx, moved.partnerName()));
                spec.commandLine().getErr().println((r.config.partner() == null ? "partner added: " : "partner moved"
                        + " from " + r.config.partner() + " to ") + copy + "; the next replication sends every blob and"
                        + " snapshot record there");
                return 0;
            }
        }

        private int pairWithHost(Path dir) throws IOException {
            if (pairFile == null) {
                throw new UserError("a pactfs:// partner needs --pair-file FILE (or - for stdin) with the code"
                        + " `pactfs serve pair` printed on the host");
            }
            PairCode code = PairCode.read(pairFile);
            ServePartner host = code.hostAt(target);
            try (OpenRepo r = OpenRepo.open(dir, keys)) {
                RepoConfig c = r.config;
                boolean samePlace = c.serve() != null && c.serve().hostPort().equals(host.hostPort());
                if (c.hasPartner() && !samePlace) {
                    throw new UserError("repo " + dir + " already replicates to " + c.partnerName()
                            + "; moving a copy to a pactfs serve host is not supported yet");
                }
                String tenant = PartnerTargets.pairServe(host, r.keys.tlsIdentity(), code.secret(),
                        r.keys.manifestKey());
                try (PartnerTarget copy = PartnerTargets.serve(host, r.keys.tlsIdentity(), c.repoId())) {
                    PartnerLayout.create(copy, c.repoId()); // a no-op when the host already holds this config
                }
                c.withServe(host).write(dir);
                spec.commandLine().getErr().println("repo " + dir + " now replicates to " + host.uri() + " (tenant "
                        + tenant + ", host key " + host.hostKey() + ")");
            }
            return 0;
        }
    }
}
