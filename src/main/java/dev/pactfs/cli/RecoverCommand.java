package dev.pactfs.cli;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.crypto.PaperKeyFormatException;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.crypto.WrongKeyException;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.Recovery;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.StoreOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "recover", mixinStandardHelpOptions = true,
        description = "Rebuild a working local repo from the partner copy alone (after a disaster).")
final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--partner", required = true, paramLabel = "DIR",
            description = "The partner directory (holding pactfs-<repo-id>/), or the copy directory itself.")
    Path partner;

    @Option(names = "--repo", required = true, paramLabel = "NEWDIR", description = "New local repository directory (new or empty).")
    Path repo;

    @Option(names = "--wrapped-key", paramLabel = "FILE",
            description = "A copy of the repo's passphrase-wrapped key file (with a passphrase).")
    Path wrappedKey;

    @Option(names = "--lazy", description = "Do not fetch payloads now; reads fetch them from the partner as needed.")
    boolean lazy;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path copy = findCopy(partner);
        String dirId = copy.getFileName().toString().substring("pactfs-".length());
        if (Files.exists(repo)) {
            try (Stream<Path> s = Files.list(repo)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("repo directory " + repo + " is not empty; recover needs a new or empty one");
                }
            }
        }
        MasterKey key = masterKey(dirId);
        RepoKeys rk = RepoKeys.derive(key);
        // Under deadlines: a partner share that hangs mid-recover fails it with one line instead of hanging it.
        PartnerTarget target = PartnerTargets.timed(PartnerTargets.directory(copy),
                dev.pactfs.partner.PartnerTimeouts.defaults());
        Recovery.RepoInfo info;
        try {
            info = Recovery.repoInfo(target, rk.blobCipher());
        } catch (Recovery.WrongKeyException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!info.repoId().equals(dirId)) {
            throw new UserError("partner copy " + copy + " holds repo " + info.repoId() + " inside; its directory says "
                    + dirId + " (renamed?); refusing");
        }
        Files.createDirectories(repo);
        char[] pass = System.getenv(KeyOptions.PASSPHRASE_ENV) != null || keys.passphraseFile != null
                ? keys.passphraseOrNull("") : null;
        if (wrappedKey != null) {
            Files.copy(wrappedKey, repo.resolve(OpenRepo.WRAPPED_KEY));
        } else if (pass != null && pass.length > 0) {
            KeyFile.writeWrapped(repo.resolve(OpenRepo.WRAPPED_KEY), info.repoId(), key, pass);
        }
        // A copy made by a format-1 repo holds format-1 tree ids: the recovered repo stays format 1 (read with the
        // transitional ids) until `pactfs migrate` re-encodes its trees.
        int format = Math.max(RepoConfig.OLDEST_MIGRATABLE, Math.min(info.repoFormat(), RepoConfig.FORMAT));
        RepoConfig config = new RepoConfig(format, info.repoId(), info.chunkMin(), info.chunkAvg(),
                info.chunkMax(), copy.getParent().toAbsolutePath(), 0, "").withKeyCheck(rk.keyCheck(info.repoId()));
        Recovery.Result r;
        Set<ChunkId> lost;
        List<String> problems = new ArrayList<>();
        try (Catalog catalog = Catalog.open(repo, true);
             ChunkStore store = ChunkStores.open(repo, catalog, rk.blobCipher(),
                     format < RepoConfig.FORMAT ? rk.transitionalBlobIds() : rk.blobIds(), StoreOptions.defaults())) {
            r = Recovery.rebuildCatalog(catalog, target, rk.blobCipher());
            problems.addAll(r.problems());
            out.printf("indexed %d blobs in %d packs and %d snapshots from %s%n", r.blobs(), r.packs(), r.snapshots(), copy);
            out.flush();
            if (lazy) {
                lost = Set.of();
                store.rebuildDeltaIndex(); // delta rows only: full chunks get super-features once fetched
            } else {
                boolean tty = System.console() != null;
                long start = System.nanoTime();
                lost = Recovery.fetchPayloads(store, target, (done, total) -> {
                    if (tty) {
                        double secs = (System.nanoTime() - start) / 1e9;
                        double rate = secs > 0 ? done / secs : 0;
                        long eta = rate > 0 ? (long) ((total - done) / rate) : -1;
                        err.printf("\rfetched %s of %s  %s/s  ETA %s   ", StatusCommand.human(done), StatusCommand.human(total),
                                StatusCommand.human((long) rate), eta < 0 ? "?" : eta + " s");
                        err.flush();
                    }
                }, problems);
                if (tty) {
                    err.println();
                }
            }
            store.sync();
            List<String> affected = Recovery.snapshotsReaching(catalog, lost);
            for (String p : problems) {
                out.println("problem: " + p);
            }
            if (!lost.isEmpty()) {
                out.printf("%d blobs could not be recovered; affected snapshots: %s%n", lost.size(), String.join(", ", affected));
                for (String file : dev.pactfs.partner.AffectedFiles.list(store, lost, 1000)) {
                    out.println("affected: " + file);
                }
                for (ChunkId id : lost) {
                    out.println("lost blob " + id.toHex());
                }
            }
        }
        // The config last: its presence is what makes the directory a repo.
        config.write(repo);
        out.printf("recovered repo %s (id %s)%s%n", repo, info.repoId(),
                lost.isEmpty() && problems.isEmpty() ? "" : " with losses (see above); everything else restores");
        if (format < RepoConfig.FORMAT) {
            out.println(RepoConfig.migrateHint(repo, format));
        }
        out.flush();
        return lost.isEmpty() && problems.isEmpty() ? 0 : 1;
    }

    private MasterKey masterKey(String repoId) throws Exception {
        try {
            if (keys.keyFile != null) {
                return KeyFile.readMachineKey(keys.keyFile);
            }
            if (keys.paperKey != null) {
                return PaperKey.decode(keys.paperKey);
            }
            if (wrappedKey != null) {
                return KeyFile.openWrapped(wrappedKey, repoId, keys.passphrase("passphrase for " + wrappedKey + ": "));
            }
        } catch (WrongKeyException e) {
            throw new UserError("wrong key for the partner copy of repo " + repoId + ": " + e.getMessage(), e);
        } catch (PaperKeyFormatException e) {
            throw new UserError(e.getMessage(), e);
        }
        throw new UserError("recover needs the key: --key-file FILE, --paper-key CODE, or --wrapped-key FILE with a"
                + " passphrase (the passphrase-wrapped key stays at home, not at the partner)");
    }

    /** The copy directory: DIR itself when it holds a partner config, else its single pactfs-* subdirectory. */
    static Path findCopy(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UserError("partner directory " + dir + " does not exist (is the partner share mounted?)");
        }
        if (Files.isRegularFile(dir.resolve("config")) && dir.getFileName().toString().startsWith("pactfs-")) {
            return dir;
        }
        List<Path> copies = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "pactfs-*")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p.resolve("config"))) {
                    copies.add(p);
                }
            }
        }
        if (copies.isEmpty()) {
            throw new UserError("no partner copy (pactfs-*/config) under " + dir);
        }
        if (copies.size() > 1) {
            throw new UserError("several partner copies under " + dir + ": give the one to recover as --partner "
                    + copies.get(0));
        }
        String cfg = Files.readString(copies.get(0).resolve("config"), StandardCharsets.UTF_8);
        if (!cfg.startsWith("pactfs-partner-copy")) {
            throw new UserError(copies.get(0).resolve("config") + " is not a pactfs partner config");
        }
        return copies.get(0);
    }
}
