package dev.pactfs.cli;

import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.ServePartner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "partner", mixinStandardHelpOptions = true, subcommands = {PartnerCommand.Set.class},
        description = "Change where the repo's partner copy lives.")
final class PartnerCommand {

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Pair a repo with a `pactfs serve` host, using the code `pactfs serve pair` printed there:"
                    + " for a repo without a partner, or to re-pair with the same host (a re-armed tenant, a recovered"
                    + " repo). Moving a copy from one partner to another is not done here. Unmount the repo first.",
                "Example: pactfs partner set --repo /var/lib/pactfs/repo pactfs://backup.example:8443 --pair-file code.txt"})
    static final class Set implements Callable<Integer> {

        @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
        Path repo;

        @Parameters(index = "0", paramLabel = "pactfs://HOST:PORT")
        String uri;

        @Option(names = "--pair-file", required = true, paramLabel = "FILE|-",
                description = "The file holding the pairing code (- reads stdin); never the code itself.")
        Path pairFile;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws Exception {
            if (!ServePartner.isUri(uri)) {
                throw new UserError("partner set takes a pactfs://HOST:PORT host, got " + uri);
            }
            PairCode code = PairCode.read(pairFile);
            ServePartner host = code.hostAt(uri);
            try (OpenRepo r = OpenRepo.open(repo, keys)) {
                RepoConfig c = r.config;
                boolean samePlace = c.serve() != null && c.serve().hostPort().equals(host.hostPort());
                if (c.hasPartner() && !samePlace) {
                    throw new UserError("repo " + repo + " already replicates to " + c.partnerName()
                            + "; moving a copy to another partner is not supported yet");
                }
                String tenant = PartnerTargets.pairServe(host, r.keys.tlsIdentity(), code.secret());
                try (PartnerTarget copy = PartnerTargets.serve(host, r.keys.tlsIdentity(), c.repoId())) {
                    PartnerLayout.create(copy, c.repoId()); // a no-op when the host already holds this config
                }
                c.withServe(host).write(repo);
                System.err.println("repo " + repo + " now replicates to " + host.uri() + " (tenant " + tenant
                        + ", host key " + host.hostKey() + ")");
            }
            return 0;
        }
    }
}
