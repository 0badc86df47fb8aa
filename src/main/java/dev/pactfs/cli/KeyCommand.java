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
        subcommands = {KeyCommand.Passwd.class, KeyCommand.Export.class, KeyCommand.Add.class, KeyCommand.ListSlots.class,
            KeyCommand.Remove.class})
final class KeyCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: add, list, remove, passwd or export");
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs key passwd --repo /var/lib/pactfs/acme"},
            description = "Change (or set) the passphrase. No data is re-encrypted: the master key stays the same."
                    + " With several key slots, the slot the current passphrase opens is changed."
                    + " The new passphrase comes from --new-passphrase-file, PACTFS_NEW_PASSPHRASE or a prompt.")
    static final class Passwd implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Mixin
        NewPassphraseFile newPassphrase;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            Path wrapped = repo.resolve(OpenRepo.WRAPPED_KEY);
            if (keys.keyFile != null || keys.hasPaperKey() || !Files.exists(wrapped)) {
                // Authenticated by another key source: write a fresh wrapped key under the new passphrase.
                MasterKey key = OpenRepo.masterKey(repo, config, keys);
                if (slots(wrapped).size() > 1) {
                    // Which slot to replace would be a guess: each holds someone's passphrase.
                    throw new UserError("repo " + repo + " has several key slots; opened without a passphrase, passwd"
                            + " cannot tell which to change: use key add, then key remove ID");
                }
                char[] pass = keys.newPassphrase(repo.toString(), newPassphrase.file);
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
                    char[] pass = keys.newPassphrase(repo.toString(), newPassphrase.file);
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
        footer = {"%nExample:", "  pactfs key export --repo /var/lib/pactfs/acme --paper"},
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

    /** The option of the two commands that take a new passphrase (passwd, add), declared once. */
    static final class NewPassphraseFile {
        @Option(names = "--new-passphrase-file", paramLabel = "FILE", description = "Read the new passphrase from the first line of FILE.")
        Path file;
    }

    /** What {@code key list} and the docs say about the two copies of the master key no slot governs. */
    static final String NOT_REVOCABLE = "The recovery code (key export --paper) and machine key files (--key-file) are the"
            + " master key itself, not slots: removing a slot does not revoke them. Revoking one means a new repository"
            + " (init a new one and copy the data into it).";

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add a passphrase slot: another passphrase-wrapped copy of the master key, removable on its own"
                    + " (key remove). Open the repo with any existing key source; the new passphrase comes from"
                    + " --new-passphrase-file, PACTFS_NEW_PASSPHRASE or a prompt (asked twice). Prints the new slot's id.",
                "Example: PACTFS_NEW_PASSPHRASE='second admin' pactfs key add --repo /var/lib/pactfs/acme"})
    static final class Add implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Mixin
        NewPassphraseFile newPassphrase;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            MasterKey key = OpenRepo.masterKey(repo, config, keys);
            char[] pass = keys.newPassphrase(repo.toString(), newPassphrase.file);
            Path wrapped = repo.resolve(OpenRepo.WRAPPED_KEY);
            String id;
            try {
                id = KeyFile.addSlot(wrapped, config.repoId(), key, pass);
            } catch (WrongKeyException e) {
                throw new UserError(e.getMessage(), e);
            } catch (IllegalStateException e) {
                throw new UserError(e.getMessage() + "; remove one first (key remove)", e);
            }
            System.out.println(id);
            System.err.println("added key slot " + id + " to repo " + repo);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the passphrase slots: id, when it was added, and which one opened this command (*)."
                    + " " + NOT_REVOCABLE,
                "Example: pactfs key list --repo /var/lib/pactfs/acme --json"})
    static final class ListSlots implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @Option(names = "--json", description = "One JSON document on stdout (see the admin guide).")
        boolean json;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            KeyFile.Opened opened = OpenRepo.masterKeyAndSlot(repo, config, keys);
            Path wrapped = repo.resolve(OpenRepo.WRAPPED_KEY);
            java.util.List<KeyFile.Slot> slots = slots(wrapped);
            String openedWith = opened.slotId() != null ? "passphrase" : keys.keyFile != null ? "machine-key" : "paper-key";
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode root = Json.object();
                root.put("repo", repo.toString());
                root.put("opened_with", openedWith);
                com.fasterxml.jackson.databind.node.ArrayNode arr = root.putArray("slots");
                for (KeyFile.Slot s : slots) {
                    com.fasterxml.jackson.databind.node.ObjectNode o = arr.addObject();
                    o.put("id", s.id());
                    if (s.created() == null) {
                        o.putNull("created");
                    } else {
                        o.put("created", s.created().toString());
                    }
                    o.put("current", s.id().equals(opened.slotId()));
                }
                root.put("master_key_copies", NOT_REVOCABLE);
                System.out.println(Json.pretty(root));
                return 0;
            }
            System.out.println("  ID        CREATED (UTC)");
            for (KeyFile.Slot s : slots) {
                String created = s.created() == null ? "unknown (written before key slots)"
                        : java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                                .withZone(java.time.ZoneOffset.UTC).format(s.created());
                System.out.println((s.id().equals(opened.slotId()) ? "* " : "  ") + s.id() + "  " + created);
            }
            if (slots.isEmpty()) {
                System.out.println("  (no passphrase slots: the repo opens only with a machine key or the recovery code)");
            }
            System.out.println("opened with: " + openedWith + (opened.slotId() != null ? " (slot " + opened.slotId() + ", *)" : ""));
            System.out.println(NOT_REVOCABLE);
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = {"Remove a passphrase slot: its passphrase stops opening the repo. The slot this command was"
                    + " opened with cannot be removed (open with another passphrase, --key-file or --paper-key-file),"
                    + " so the last slot goes only when a machine key or the recovery code opened the command."
                    + " " + NOT_REVOCABLE,
                "Example: pactfs key remove --repo /var/lib/pactfs/acme 1a2b3c4d"})
    static final class Remove implements Callable<Integer> {
        @Option(names = "--repo", required = true, paramLabel = "DIR")
        Path repo;

        @picocli.CommandLine.Parameters(paramLabel = "ID", description = "The slot's id as `key list` shows it.")
        String id;

        @Mixin
        KeyOptions keys;

        @Override
        public Integer call() throws IOException {
            RepoConfig config = RepoConfig.read(repo);
            KeyFile.Opened opened = OpenRepo.masterKeyAndSlot(repo, config, keys);
            Path wrapped = repo.resolve(OpenRepo.WRAPPED_KEY);
            java.util.List<KeyFile.Slot> slots = slots(wrapped);
            if (slots.stream().noneMatch(s -> s.id().equals(id))) {
                throw new UserError("repo " + repo + " has no key slot " + id + " (see key list)");
            }
            if (id.equals(opened.slotId())) {
                throw new UserError("refusing to remove key slot " + id + ": this command was opened with it"
                        + (slots.size() == 1 ? " and it is the last passphrase slot" : "")
                        + "; open with another passphrase, --key-file or --paper-key-file");
            }
            try {
                KeyFile.removeSlot(wrapped, config.repoId(), id);
            } catch (WrongKeyException e) {
                throw new UserError(e.getMessage(), e);
            }
            System.err.println("removed key slot " + id + " from repo " + repo
                    + (slots.size() == 1 ? "; no passphrase opens it now, only a machine key or the recovery code" : ""));
            return 0;
        }
    }

    /** The passphrase slots of the repo's key file; none when the repo has no key file (machine key only). */
    static java.util.List<KeyFile.Slot> slots(Path wrapped) throws IOException {
        if (!Files.exists(wrapped)) {
            return java.util.List.of();
        }
        try {
            return KeyFile.slots(wrapped);
        } catch (WrongKeyException e) {
            throw new UserError(e.getMessage(), e);
        }
    }
}
