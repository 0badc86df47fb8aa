package dev.pactfs.cli;

import dev.pactfs.crypto.ChunkId;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.crypto.PaperKeyFormatException;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.crypto.WrongKeyException;
import dev.pactfs.files.PrivateFiles;
import dev.pactfs.partner.ManifestRecovery;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import dev.pactfs.partner.Recovery;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.GraphProof;
import dev.pactfs.store.RecoverMarker;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.S3Partner;
import dev.pactfs.store.ServePartner;
import dev.pactfs.store.StoreOptions;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "recover", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs recover --partner /mnt/partner/acme --repo /var/lib/pactfs/acme --paper-key -"},
        description = {"Rebuild a working local repo from the partner copy alone (after a disaster).",
            "The key: --paper-key-file FILE, --paper-key - (stdin), an existing --key-file, or asked on the terminal.",
            "The recovered repo gets its own passphrase (--passphrase-file, --passphrase-command, PACTFS_PASSPHRASE,"
                    + " or asked twice) or a machine key (--key-file NEWFILE), so it opens without the recovery code."})
final class RecoverCommand implements Callable<Integer> {

    @Option(names = "--partner", required = true, paramLabel = "DIR|s3://BUCKET/PREFIX",
            description = {"The partner directory (holding pactfs-<repo-id>/), or the copy directory itself; or the"
                    + " same on an S3-API object store (with --s3-endpoint).",
                "Example: --partner s3://pactfs/acme --s3-endpoint https://s3.partner.example:3900"})
    String partner;

    @Mixin
    S3Options s3Options;

    @Option(names = "--repo", required = true, paramLabel = "NEWDIR", description = "New local repository directory (new or empty).")
    Path repo;

    @Option(names = "--wrapped-key", paramLabel = "FILE",
            description = "A copy of the repo's passphrase-wrapped key file (with a passphrase).")
    Path wrappedKey;

    @Option(names = "--expect-seq", paramLabel = "N",
            description = "Refuse a copy whose newest manifest is older than sequence N (from a status report kept"
                    + " elsewhere): an older copy served instead of the current one.")
    Long expectSeq;

    @Option(names = "--lazy", description = "Do not fetch payloads now; reads fetch them from the partner as needed.")
    boolean lazy;

    @Option(names = "--json", description = "One JSON document on stdout (see the admin guide).")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Option(names = "--host-key", paramLabel = "FINGERPRINT",
            description = "With --partner pactfs://HOST:PORT/pactfs-<repo-id>: the host key's fingerprint (64 hex,"
                    + " the first field of the pairing code; `pactfs serve` prints it when it starts).")
    String hostKey;

    /** The serve host recovered from, or null. */
    private ServePartner host;

    /** The marker of the interrupted recover this run continues, or null for a new or empty directory. */
    private RecoverMarker resumed;

    @Override
    public Integer call() throws Exception {
        // With --json the text report goes nowhere; build() writes the document.
        PrintWriter out = json ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        S3Partner bucket = s3Options.partner(partner);
        String dirId;
        String copy; // the copy, for messages and the marker
        PartnerTarget bare;
        if (bucket != null) {
            bucket = findCopy(bucket);
            dirId = bucket.prefix().substring(bucket.prefix().lastIndexOf('/') + 1).substring("pactfs-".length());
            bucket = bucket.withPrefix(bucket.prefix().contains("/")
                    ? bucket.prefix().substring(0, bucket.prefix().lastIndexOf('/')) : "");
            copy = bucket.uri() + "/pactfs-" + dirId;
            bare = PartnerTargets.s3(bucket, dirId);
        } else if (ServePartner.isUri(partner)) {
            host = serveHost();
            dirId = ServePartner.copyIn(partner);
            copy = host.uri() + "/pactfs-" + dirId;
            bare = null; // reached with the key derived from the master key, once it is read below
        } else {
            Path dir = findCopy(Path.of(partner));
            dirId = dir.getFileName().toString().substring("pactfs-".length());
            copy = dir.toAbsolutePath().toString();
            bare = PartnerTargets.directory(dir);
        }
        resumed = RecoverTarget.existing(repo, dirId, copy);
        MasterKey key = masterKey(dirId);
        RepoKeys rk = RepoKeys.derive(key);
        if (host != null) {
            bare = PartnerTargets.serve(host, rk.tlsIdentity(), dirId);
        }
        // Under deadlines: a partner share that hangs mid-recover fails it with one line instead of hanging it.
        // Counted: the last line says how much was read from the partner (a rerun reads less).
        LongAdder fetched = new LongAdder();
        PartnerTarget target = PartnerTargets.counting(PartnerTargets.timed(bare,
                dev.pactfs.partner.PartnerTimeouts.defaults()), fetched);
        Recovery.RepoInfo info;
        try {
            info = Recovery.repoInfo(target, rk.blobCipher(), RepoConfig.FORMAT);
        } catch (Recovery.WrongKeyException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!info.repoId().equals(dirId)) {
            throw new UserError("partner copy " + copy + " holds repo " + info.repoId() + " inside; its directory says "
                    + dirId + " (renamed?); refusing");
        }
        ManifestRecovery.Verdict verdict = checkManifest(target, rk, out, err);
        info = manifestRepoInfo(target, rk, verdict, info, err);
        target = ManifestRecovery.view(target, verdict); // only the records the manifest lists are live
        char[] pass = wrappedKey != null ? null : newRepoPassphrase();
        if (resumed != null) {
            RecoverTarget.checkSameOrNewer(resumed, verdict, repo);
            err.println("continuing the interrupted recover into " + repo + " (repo " + info.repoId()
                    + "): local packs it left are reused where they verify, everything else is rebuilt");
            err.flush();
            RecoverTarget.clearForRerun(repo);
        } else {
            InitCommand.createRepoDirectory(repo);
        }
        // First, before any other file: from here on an interruption leaves a repo that only a rerun of recover
        // continues and that every other command refuses (RepoConfig.read).
        new RecoverMarker(info.repoId(), verdict.seq(), copy).write(repo);
        try {
            return build(key, rk, info, verdict, target, pass, copy, bucket, fetched, out, err);
        } catch (Exception e) {
            String msg = Main.userMessage(e);
            if (msg == null) {
                throw e;
            }
            throw new UserError(msg + " (recover interrupted: rerun the same command to continue it)", e);
        }
    }

    /** Everything after the marker: keys, catalog, payloads, config; the marker goes last. */
    private int build(MasterKey key, RepoKeys rk, Recovery.RepoInfo info, ManifestRecovery.Verdict verdict,
                      PartnerTarget target, char[] pass, String copy, S3Partner bucket, LongAdder fetched,
                      PrintWriter out, PrintWriter err) throws Exception {
        if (wrappedKey != null) {
            PrivateFiles.copyNew(wrappedKey, repo.resolve(OpenRepo.WRAPPED_KEY));
        } else if (pass != null) {
            KeyFile.writeWrapped(repo.resolve(OpenRepo.WRAPPED_KEY), info.repoId(), key, pass);
        }
        if (writesKeyFile()) {
            KeyFile.writeMachineKey(keys.keyFile, info.repoId(), key);
            err.println("machine key of the recovered repo written to " + keys.keyFile + " (mode 0600)");
        }
        // A copy made by a format-1 repo holds format-1 tree ids: the recovered repo stays format 1 (read with the
        // transitional ids) until `pactfs migrate` re-encodes its trees.
        int format = Math.max(RepoConfig.OLDEST_MIGRATABLE, Math.min(info.repoFormat(), RepoConfig.FORMAT));
        RepoConfig config = new RepoConfig(format, info.repoId(), info.chunkMin(), info.chunkAvg(),
                info.chunkMax(), bucket != null || host != null ? null : Path.of(copy).getParent(), 0, "")
                .withKeyCheck(rk.keyCheck(info.repoId()));
        if (bucket != null) {
            config = config.withS3(bucket); // the recovered repo replicates to the bucket it came from
        }
        if (host != null) {
            config = config.withServe(host); // and to the host it came from, with the same derived key
        }
        Recovery.Result r;
        Set<ChunkId> lost;
        List<String> problems = new ArrayList<>();
        List<String> lostFiles;
        try (Catalog catalog = Catalog.open(repo, true);
             ChunkStore store = ChunkStores.open(repo, catalog, rk.blobCipher(),
                     format < RepoConfig.FORMAT ? rk.transitionalBlobIds() : rk.blobIds(), StoreOptions.defaults())) {
            r = Recovery.rebuildCatalog(store, target, rk.blobCipher());
            problems.addAll(r.problems());
            lostFiles = r.lostFiles();
            for (String loss : verdict.losses()) {
                problems.add("LOST: " + loss + " (named by manifest " + verdict.seq() + ")");
            }
            ManifestRecovery.adopt(catalog, verdict);
            out.printf("indexed %d blobs in %d packs and %d snapshots from %s; every directory listing decoded: %s%n",
                    r.blobs(), r.packs(), r.snapshots(), copy, r.proven() ? "yes" : "NO");
            for (String n : r.notes()) {
                out.println("note: " + n);
            }
            out.flush();
            // Records an interrupted run left (none in a new directory): verified, then indexed, not fetched again.
            ChunkStore.Reused reused = store.reuseLocalRecords();
            if (resumed != null) {
                out.printf("reused %d blobs (%d bytes) the interrupted recover had fetched; %d records did not verify%n",
                        reused.blobs(), reused.sealedBytes(), reused.rejected());
            }
            if (lazy) {
                lost = Set.of();
                store.rebuildDeltaIndex(); // delta rows only: full chunks get super-features once fetched
            } else {
                try (Progress progress = Progress.start("recover", json, err)) {
                    lost = Recovery.fetchPayloads(store, target, progress::update, problems);
                }
            }
            if (!lost.isEmpty()) {
                // Blobs that failed verification while fetched: decode the trees again to name what they take.
                lostFiles = Recovery.restorable(store, lost).lostFiles();
                problems.add(lost.size() + " blobs could not be fetched intact");
            }
            store.sync();
            for (String p : problems) {
                out.println("problem: " + p);
            }
            for (String file : lostFiles) {
                out.println("cannot restore: " + file);
            }
            if (!r.proven()) {
                out.println("problem: some directory listings are unreadable, so what lies below them is unknown: the"
                        + " recovered repo deletes nothing (gc, prune, eviction) until `" + GraphProof.PROVE_COMMAND
                        + "` has proven its references (forget the affected snapshots first)");
            }
        }
        // The config last: its presence is what makes the directory a repo; then the marker goes, and it is one.
        config.write(repo);
        RecoverMarker.remove(repo);
        out.printf("read %d bytes from the partner%n", fetched.sum());
        boolean complete = problems.isEmpty() && lostFiles.isEmpty();
        out.printf("recovered repo %s (id %s)%s%n", repo, info.repoId(), complete ? ""
                : " with losses: " + lostFiles.size() + " files cannot be restored (listed above), "
                + problems.size() + " problems; everything else restores");
        if (format < RepoConfig.FORMAT) {
            out.println(RepoConfig.migrateHint(repo, format));
        }
        out.flush();
        if (json) {
            com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
            o.put("repo", repo.toString());
            o.put("repo_id", info.repoId());
            o.put("complete", complete);
            o.put("blobs", r.blobs());
            o.put("packs", r.packs());
            o.put("snapshots", r.snapshots());
            o.put("manifest_seq", verdict.seq());
            o.put("listings_proven", r.proven());
            o.put("bytes_read", fetched.sum());
            o.put("lazy", lazy);
            o.putPOJO("problems", problems);
            o.putPOJO("unrestorable_files", lostFiles);
            o.put("format", format);
            spec.commandLine().getOut().println(Json.pretty(o));
            spec.commandLine().getOut().flush();
        }
        return complete ? 0 : Main.EXIT_USER_ERROR;
    }

    /**
     * The repo info the manifest names, when it is not the one {@code found} (the newest format the copy holds):
     * a migrated repo's copy holds its old info too until a prune, and only the manifest says which is current.
     * If the partner lacks the named one, the newest found is used, with a warning.
     */
    private static Recovery.RepoInfo manifestRepoInfo(PartnerTarget target, RepoKeys rk, ManifestRecovery.Verdict v,
                                                      Recovery.RepoInfo found, PrintWriter err) throws java.io.IOException {
        String named = v.repoInfoName();
        if (named == null || named.equals(found.file())) {
            return found;
        }
        try {
            Recovery.RepoInfo r = Recovery.repoInfoNamed(target, rk.blobCipher(), named);
            if (r.repoId().equals(found.repoId())) {
                return r;
            }
            err.println("WARNING: the repo info the manifest names holds another repo id; using the one found");
        } catch (java.io.IOException e) {
            if (found.repoFormat() < RepoConfig.FORMAT) {
                // The copy may have been migrated: a repo made in the older format over blobs of the newer one
                // would not read. The manifest is signed; the partner lost (or withheld) what it names.
                throw new UserError("the repo info the partner's manifest names (" + named + ") is missing or"
                        + " damaged there, and the one left says format " + found.repoFormat() + ", older than "
                        + RepoConfig.FORMAT + ": refusing (the copy may have been migrated since)", e);
            }
            err.println("WARNING: the repo info the manifest names (" + named + ") is missing or damaged at the"
                    + " partner; the one found says the same format (" + found.repoFormat() + ")");
        }
        err.flush();
        return found;
    }

    /**
     * Which state of the copy this is, said first and prominently; a fork, or a copy older than --expect-seq,
     * ends the command before anything is written.
     */
    private ManifestRecovery.Verdict checkManifest(PartnerTarget target, RepoKeys rk, PrintWriter out, PrintWriter err)
            throws java.io.IOException {
        ManifestRecovery.Verdict v;
        try {
            v = ManifestRecovery.check(target, rk.manifestKey(), rk.blobCipher());
        } catch (ManifestRecovery.ForkException e) {
            throw new UserError(e.getMessage(), e);
        }
        for (String m : v.rejected()) {
            err.println("warning: manifest rejected: " + m);
        }
        if (v.unchecked()) {
            if (expectSeq != null) {
                throw new UserError("partner copy has no manifest, --expect-seq " + expectSeq
                        + " wants sequence " + expectSeq + " or newer: refusing (rolled back, or its manifests deleted?)");
            }
            err.println("WARNING: the partner copy has no manifest (written by an older pactfs, or its manifests were"
                    + " deleted): whether it is complete and current cannot be checked");
            err.flush();
            return v;
        }
        if (expectSeq != null && v.seq() < expectSeq) {
            throw new UserError("partner copy is older than expected: its newest manifest is sequence " + v.seq()
                    + " of " + java.time.Instant.ofEpochMilli(v.timeMs()) + ", --expect-seq " + expectSeq
                    + ": refusing (rolled back?)");
        }
        out.printf("=== partner manifest: sequence %d, written %s ===%n", v.seq(), java.time.Instant.ofEpochMilli(v.timeMs()));
        if (!v.ignored().isEmpty()) {
            out.printf("ignored %d snapshot records the manifest does not list (replayed or forgotten)%n", v.ignored().size());
        }
        out.flush();
        return v;
    }

    /**
     * The master key from an existing --key-file, the paper key (file, stdin, argv with a warning, or asked), or
     * --wrapped-key with its passphrase. A --key-file that does not exist yet is where the recovered repo's
     * machine key goes ({@link #writesKeyFile}), as with init.
     */
    private MasterKey masterKey(String repoId) throws Exception {
        boolean keyFileIsSource = keys.keyFile != null && Files.exists(keys.keyFile);
        try {
            if (keyFileIsSource && !keys.hasPaperKey()) {
                return KeyFile.readMachineKey(keys.keyFile);
            }
            if (keyFileIsSource && resumed != null && sameKey(KeyFile.readMachineKey(keys.keyFile),
                    PaperKey.decode(keys.paperKeyCode()))) {
                return KeyFile.readMachineKey(keys.keyFile); // the interrupted run wrote it there
            }
            if (keyFileIsSource) {
                throw new UserError("key file " + keys.keyFile + " already exists; give either it or the recovery"
                        + " code (a new machine key is written only to a file that does not exist yet)");
            }
            if (keys.hasPaperKey()) {
                return PaperKey.decode(keys.paperKeyCode());
            }
            if (wrappedKey != null) {
                return KeyFile.openWrapped(wrappedKey, repoId, keys.passphrase("passphrase for " + wrappedKey + ": "));
            }
            String code = KeyOptions.promptPaperKey("recovery code of repo " + repoId + ": ");
            if (code != null) {
                return PaperKey.decode(code);
            }
        } catch (WrongKeyException e) {
            throw new UserError("wrong key for the partner copy of repo " + repoId + ": " + e.getMessage(), e);
        } catch (PaperKeyFormatException e) {
            throw new UserError(e.getMessage(), e);
        }
        throw new UserError("recover needs the key: --paper-key-file FILE (or --paper-key - for stdin), an existing"
                + " --key-file FILE, or --wrapped-key FILE with a passphrase (the passphrase-wrapped key stays at home,"
                + " not at the partner)" + (keys.keyFile != null ? "; key file " + keys.keyFile + " does not exist" : ""));
    }

    /** The serve host {@code --partner} names, with the copy in it and its pinned key. */
    private ServePartner serveHost() {
        if (ServePartner.copyIn(partner) == null) {
            throw new UserError("recover from a pactfs serve host needs the copy: --partner"
                    + " pactfs://HOST:PORT/pactfs-<repo-id> (the tenant's key is derived from the master key, which"
                    + " is read after the copy is known)");
        }
        if (hostKey == null) {
            throw new UserError("--partner " + partner + " needs --host-key FINGERPRINT (the host key you paired with)");
        }
        try {
            return ServePartner.parse(partner, hostKey);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private static boolean sameKey(MasterKey a, MasterKey b) {
        return java.security.MessageDigest.isEqual(a.toBytes(), b.toBytes());
    }

    /** Whether --key-file names a new file: the recovered repo's machine key is written there. */
    private boolean writesKeyFile() {
        return keys.keyFile != null && !Files.exists(keys.keyFile);
    }

    /**
     * The recovered repo's own passphrase, so that it opens afterwards without the paper key: from a file, a
     * command or the environment, else asked twice on the terminal. Null when the repo opens with a machine key
     * instead (the existing one it was recovered with, or a new one); without either, recover refuses before it
     * writes anything.
     */
    private char[] newRepoPassphrase() throws java.io.IOException {
        if (keys.hasPassphraseSource()) {
            return keys.passphraseFromSource();
        }
        if (keys.keyFile != null) {
            return null;
        }
        char[] p = KeyOptions.askTwice("the recovered repo " + repo, "nothing recovered");
        if (p == null) {
            throw new UserError("recover needs a way to open the recovered repo without the recovery code: give its"
                    + " passphrase (--passphrase-file, --passphrase-command or " + KeyOptions.PASSPHRASE_ENV
                    + "), --key-file NEWFILE for a machine key, or run on a terminal to be asked");
        }
        return p;
    }

    /** The copy on an object store: the prefix itself when it ends in pactfs-ID, else its single pactfs-* copy. */
    static S3Partner findCopy(S3Partner at) throws java.io.IOException {
        String last = at.prefix().substring(at.prefix().lastIndexOf('/') + 1);
        if (last.startsWith("pactfs-") && last.length() > "pactfs-".length()) {
            return at;
        }
        List<String> ids = PartnerTargets.s3Copies(at);
        if (ids.isEmpty()) {
            throw new UserError("no partner copy (pactfs-*/) under " + at.uri());
        }
        if (ids.size() > 1) {
            throw new UserError("several partner copies under " + at.uri() + ": give the one to recover as --partner "
                    + at.uri() + "/pactfs-" + ids.get(0));
        }
        return at.withPrefix((at.prefix().isEmpty() ? "" : at.prefix() + "/") + "pactfs-" + ids.get(0));
    }

    /** The copy directory: DIR itself when it holds a partner config, else its single pactfs-* subdirectory. */
    static Path findCopy(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UserError("partner directory " + dir + " does not exist (is the partner share mounted?)");
        }
        // NOFOLLOW: the host owns the partner directory; a planted link is not taken for a copy or its config.
        if (Files.isRegularFile(dir.resolve("config"), LinkOption.NOFOLLOW_LINKS)
                && dir.getFileName().toString().startsWith("pactfs-")) {
            return dir;
        }
        List<Path> copies = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "pactfs-*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.isRegularFile(p.resolve("config"), LinkOption.NOFOLLOW_LINKS)) {
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
