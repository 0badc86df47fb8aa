package dev.pactfs.cli;

import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.files.PrivateFiles;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.ServePartner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs init --repo /var/lib/pactfs/acme --partner /mnt/partner/acme"},
        description = "Create a repository: a new master key, the local store, and the partner layout.")
final class InitCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory (new or empty).")
    Path repo;

    @Option(names = "--partner", paramLabel = "DIR|s3://BUCKET/PREFIX|pactfs://HOST:PORT",
            description = {"The partner's directory (a mounted NFS/SMB/SSHFS share), a bucket and key prefix on an"
                    + " S3-API object store (then see --s3-endpoint), or a `pactfs serve` host (then --pair-file).",
                "Example: --partner s3://pactfs/acme --s3-endpoint https://s3.partner.example:3900 --s3-region garage"})
    String partnerArg;

    @Mixin
    S3Options s3Options;

    @Option(names = "--pair-file", paramLabel = "FILE|-",
            description = "With --partner pactfs://HOST:PORT: the file holding the code `pactfs serve pair` printed"
                    + " at the host (- reads stdin). The code is never given on the command line.")
    Path pairFile;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "Also write an unwrapped machine key to FILE (mode 0600) for unattended mounts.")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "Read the passphrase from the first line of FILE.")
    Path passphraseFile;

    @Option(names = "--passphrase-command", paramLabel = "CMD",
            description = "Run CMD with `sh -c`; the first line it prints is the passphrase. Without a file, a command"
                    + " or " + KeyOptions.PASSPHRASE_ENV + ", the passphrase is asked twice on the terminal.")
    String passphraseCommand;

    @Option(names = "--chunk-sizes", paramLabel = "MIN/AVG/MAX", description = "FastCDC sizes in KiB (default: ${DEFAULT-VALUE}).",
            defaultValue = "64/256/1024")
    String chunkSizes;

    @Override
    public Integer call() throws IOException {
        ChunkerParams params = parseSizes(chunkSizes);
        if (Files.exists(repo)) {
            if (!Files.isDirectory(repo)) {
                throw new UserError(repo + " exists and is not a directory; refusing to init");
            }
            try (Stream<Path> s = Files.list(repo)) {
                if (s.findAny().isPresent()) {
                    throw new UserError("repo directory " + repo + " is not empty; refusing to init");
                }
            }
        }
        dev.pactfs.store.S3Partner bucket = s3Options.partner(partnerArg);
        ServePartner host = null;
        PairCode pairCode = null;
        if (ServePartner.isUri(partnerArg)) {
            if (pairFile == null) {
                throw new UserError("--partner " + partnerArg + " needs --pair-file FILE (the code `pactfs serve pair` printed)");
            }
            pairCode = PairCode.read(pairFile);
            host = pairCode.hostAt(partnerArg);
        } else if (pairFile != null) {
            throw new UserError("--pair-file needs --partner pactfs://HOST:PORT");
        }
        Path partner = partnerArg == null || bucket != null || host != null ? null : Path.of(partnerArg);
        if (partner != null && !Files.isDirectory(partner)) {
            throw new UserError("partner directory " + partner + " does not exist (is the partner share mounted?)");
        }
        if (keyFile != null && Files.exists(keyFile)) {
            throw new UserError("key file " + keyFile + " already exists; refusing to overwrite a key");
        }
        KeyOptions ko = new KeyOptions();
        ko.passphraseFile = passphraseFile;
        ko.passphraseCommand = passphraseCommand;
        // With only a machine key asked for, a terminal is not asked for a passphrase: the repo opens without one.
        char[] passphrase = keyFile != null && !ko.hasPassphraseSource() ? null : ko.newPassphraseOrNull("the new repo");
        if ((passphrase == null || passphrase.length == 0) && keyFile == null) {
            throw new UserError("no passphrase: use --passphrase-file, --passphrase-command or " + KeyOptions.PASSPHRASE_ENV
                    + ", run on a terminal to be asked, or give --key-file for a machine key");
        }

        String repoId = newRepoId();
        MasterKey key = MasterKey.generate();
        RepoKeys keys = RepoKeys.derive(key);
        if (host != null) {
            // Before anything local exists, so an unreachable host leaves nothing to clean up. Pairing binds the key
            // derived from this master key to the tenant: after a disaster the key alone reconnects.
            String tenant = dev.pactfs.partner.PartnerTargets.pairServe(host, keys.tlsIdentity(), pairCode.secret(),
                    keys.manifestKey());
            try (dev.pactfs.partner.PartnerTarget copy = dev.pactfs.partner.PartnerTargets.serve(host,
                    keys.tlsIdentity(), repoId)) {
                PartnerLayout.create(copy, repoId);
            }
            System.err.println("paired with " + host.uri() + " as tenant " + tenant);
        }
        createRepoDirectory(repo);
        if (passphrase != null && passphrase.length > 0) {
            KeyFile.writeWrapped(repo.resolve(OpenRepo.WRAPPED_KEY), repoId, key, passphrase);
        }
        if (keyFile != null) {
            KeyFile.writeMachineKey(keyFile, repoId, key);
        }
        RepoConfig config = new RepoConfig(RepoConfig.FORMAT, repoId, params.minSize(), params.avgSize(),
                params.maxSize(), partner == null ? null : partner.toAbsolutePath(), 0, "")
                .withKeyCheck(keys.keyCheck(repoId));
        if (bucket != null) {
            config = config.withS3(bucket);
        }
        if (host != null) {
            config = config.withServe(host);
        }
        try (Catalog c = Catalog.open(repo, true)) {
            // schema created
        }
        if (partner != null) {
            PartnerLayout.create(partner, repoId);
        } else if (bucket != null) {
            try (dev.pactfs.partner.PartnerTarget copy = dev.pactfs.partner.PartnerTargets.s3(bucket, repoId)) {
                PartnerLayout.create(copy, repoId);
            }
        }
        // The config is written last: its presence is what makes the directory a repo.
        config.write(repo);
        System.err.println("created pactfs repo " + repo + " (id " + repoId + ")"
                + (partner != null ? ", partner copy in " + PartnerLayout.dirFor(partner, repoId) : "")
                + (bucket != null ? ", partner copy in " + bucket.uri() + "/pactfs-" + repoId + "/" : "")
                + (host != null ? ", partner copy at " + host.uri() + "/pactfs-" + repoId : "")
                + (keyFile != null ? ", machine key in " + keyFile : ""));
        if (partner == null) {
            System.err.println("pactfs: warning: no --partner: nothing will leave this site; add one later with"
                    + " `pactfs partner set --repo " + repo + " DIR`");
        }
        System.err.println("keep a copy of the key off this machine: pactfs key export --paper --repo " + repo);
        return 0;
    }

    /**
     * The repo directory, 0700: only the owner (root, the daemon's user) may enter, for the key file, the catalog
     * and the control socket live here. An empty directory the admin made beforehand is ours now: its group and
     * other bits go (nothing is inside yet, so nothing was exposed).
     */
    static void createRepoDirectory(Path repo) throws IOException {
        if (Files.isDirectory(repo)) {
            PrivateFiles.restrict(repo);
        } else {
            PrivateFiles.createDirectories(repo);
        }
    }

    static String newRepoId() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static ChunkerParams parseSizes(String s) {
        String[] p = s.split("/");
        if (p.length != 3) {
            throw new UserError("--chunk-sizes wants MIN/AVG/MAX in KiB, e.g. 64/256/1024; got " + s);
        }
        try {
            return new ChunkerParams(Integer.parseInt(p[0]) * 1024, Integer.parseInt(p[1]) * 1024,
                    Integer.parseInt(p[2]) * 1024);
        } catch (IllegalArgumentException e) {
            throw new UserError("bad --chunk-sizes " + s + ": " + e.getMessage());
        }
    }
}
