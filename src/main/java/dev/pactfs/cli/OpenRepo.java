package dev.pactfs.cli;

import dev.pactfs.chunk.Chunker;
import dev.pactfs.chunk.ChunkerParams;
import dev.pactfs.crypto.KeyFile;
import dev.pactfs.crypto.MasterKey;
import dev.pactfs.crypto.PaperKey;
import dev.pactfs.crypto.PaperKeyFormatException;
import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.crypto.WrongKeyException;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.StoreOptions;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The composition root: an unlocked, open repository with its keys, catalog and chunk store wired together
 * by hand. Keys are checked before the catalog is opened, so a wrong key touches nothing.
 */
final class OpenRepo implements Closeable {

    /** File name of the passphrase-wrapped key inside the repo directory. */
    static final String WRAPPED_KEY = "keyfile";

    final Path dir;
    final RepoConfig config;
    final RepoKeys keys;
    final Catalog catalog;
    final ChunkStore store;

    private OpenRepo(Path dir, RepoConfig config, RepoKeys keys, Catalog catalog, ChunkStore store) {
        this.dir = dir;
        this.config = config;
        this.keys = keys;
        this.catalog = catalog;
        this.store = store;
    }

    static OpenRepo open(Path dir, KeyOptions keyOptions) throws IOException {
        return open(dir, keyOptions, StoreOptions.defaults());
    }

    static OpenRepo open(Path dir, KeyOptions keyOptions, StoreOptions options) throws IOException {
        RepoConfig config = RepoConfig.read(dir);
        RepoKeys keys = unlock(dir, config, keyOptions);
        RepoKeys.warmUp();
        Catalog catalog = Catalog.open(dir, false);
        try {
            ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.chunkIdHasher(), options);
            OpenRepo r = new OpenRepo(dir, config, keys, catalog, store);
            PartnerWiring.installFetcher(r);
            return r;
        } catch (IOException | RuntimeException e) {
            catalog.close();
            throw e;
        }
    }

    /** The repo's master key from whichever source the options name; one line when it is wrong. */
    static MasterKey masterKey(Path dir, RepoConfig config, KeyOptions ko) throws IOException {
        String wrong = "wrong passphrase or key file for repo " + dir;
        MasterKey key;
        try {
            if (ko.keyFile != null) {
                key = KeyFile.readMachineKey(ko.keyFile);
            } else if (ko.paperKey != null) {
                key = PaperKey.decode(ko.paperKey);
            } else {
                Path wrapped = dir.resolve(WRAPPED_KEY);
                if (!Files.exists(wrapped)) {
                    throw new UserError("repo " + dir + " has no passphrase key; use --key-file or --paper-key");
                }
                key = KeyFile.openWrapped(wrapped, config.repoId(), ko.passphrase("passphrase for " + dir + ": "));
            }
        } catch (WrongKeyException e) {
            throw new UserError(wrong, e);
        } catch (PaperKeyFormatException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!RepoKeys.derive(key).matchesKeyCheck(config.repoId(), config.keyCheckBytes())) {
            throw new UserError(wrong);
        }
        return key;
    }

    static RepoKeys unlock(Path dir, RepoConfig config, KeyOptions ko) throws IOException {
        return RepoKeys.derive(masterKey(dir, config, ko));
    }

    ChunkerParams chunkerParams() {
        return new ChunkerParams(config.chunkMin(), config.chunkAvg(), config.chunkMax());
    }

    Chunker newChunker() {
        return Chunker.fastCdc(chunkerParams(), keys.cdcSeed());
    }

    @Override
    public void close() throws IOException {
        try {
            store.close();
        } finally {
            catalog.close();
        }
    }
}
