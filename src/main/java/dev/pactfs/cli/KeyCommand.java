package dev.pactfs.cli;

import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.crypto.WrongKeyException;
import dev.pactfs.store.RepoConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "key", mixinStandardHelpOptions = true, description = "Manage the repository key.",
        subcommands = {KeyCommand.Passwd.class, KeyCommand.Export.class})
final class KeyCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: passwd or export");
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = "Change (or set) the passphrase. No data is re-encrypted: the master key stays the same."
                    + " The new passphrase comes from PACTFS_NEW_PASSPHRASE or a prompt.")
    static final class Passwd implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            Path wrapped = repo.resolve(OpenRepo.WRAPPED_KEY);
            if (keys.keyFile != null || keys.hasPaperKey() || !Files.exists(wrapped)) {
                // Authenticated by another key source: write a fresh wrapped key under the new passphrase.
                MasterKey key = OpenRepo.masterKey(repo, config, keys);
                char[] pass = keys.newPassphrase(repo.toString());
                Path tmp = repo.resolve(OpenRepo.WRAPPED_KEY + ".new");
                Files.deleteIfExists(tmp);
                KeyFile.writeWrapped(tmp, config.repoId(), key, pass);
                Files.move(tmp, wrapped, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                char[] old = keys.passphrase("current passphrase for " + repo + ": ");
                try {
                    // The old passphrase is checked before the new one is asked for (twice, at a prompt).
                    KeyFile.openWrapped(wrapped, config.repoId(), old);
                    char[] pass = keys.newPassphrase(repo.toString());
                    KeyFile.rewrap(wrapped, config.repoId(), old, pass);
                } catch (WrongKeyException e) {
                    throw new UserError("wrong passphrase or key file for repo " + repo, e);
                }
            }
            System.err.println("passphrase changed for repo " + repo);
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Export the master key: --paper prints a checksummed recovery code on stdout;"
                    + " --machine-key FILE writes an unwrapped key file (0600) for unattended mounts.")
    static final class Export implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @ArgGroup(exclusive = true, multiplicity = "1")
        What what;

        static final class What {
            @Option(names = "--paper", required = true, description = "Print the recovery code.")
            boolean paper;

            @Option(names = "--machine-key", required = true, paramLabel = "FILE", description = "Write a machine key file.")
            Path machineKey;
        }

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            MasterKey key = OpenRepo.masterKey(repo, config, keys);
            if (what.paper) {
                System.err.println("Recovery code for pactfs repo " + repo + " (id " + config.repoId() + ").");
                System.err.println("Write it down or print it and keep it away from this machine: with the partner's");
                System.err.println("copy it restores everything (pactfs recover --paper-key-file FILE, or --paper-key - to read it");
                System.err.println("from stdin, or at the prompt). Separators are optional.");
                System.out.println(PaperKey.encode(key));
                System.out.flush();
            } else {
                if (Files.exists(what.machineKey)) {
                    throw new UserError("key file " + what.machineKey + " already exists; refusing to overwrite a key");
                }
                KeyFile.writeMachineKey(what.machineKey, config.repoId(), key);
                System.err.println("machine key written to " + what.machineKey + " (mode 0600)");
            }
            return 0;
        }
    }
}
