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
    /** A view of the daemon's repo: {@link #close} leaves it open. */
    private final boolean shared;

    private OpenRepo(Path dir, RepoConfig config, RepoKeys keys, Catalog catalog, ChunkStore store, boolean shared) {
        this.shared = shared;
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
        DaemonContext daemon = DaemonContext.current();
        OpenRepo served = daemon == null ? null : daemon.repoFor(dir);
        if (served != null) {
            // Run inside the mount daemon for a client: share its open repo; closing the view closes nothing.
            return new OpenRepo(served.dir, served.config, served.keys, served.catalog, served.store, true);
        }
        // No crypto warm-up here: the 4 KiB-piece cipher reaches compiled speed within ~10 MB of real work
        // (measured: full speed after 40 blobs of 256 KiB, 0.8 s), while RepoKeys.warmUp() cost every command
        // about 1 s of CPU. The mount daemon warms its whole put and read paths itself before mounting.
        RepoConfig config = RepoConfig.readCurrent(dir);
        // A repo directory an older pactfs left open (recover made it 0755): closing it closes everything inside.
        dev.pactfs.files.PrivateFiles.restrict(dir);
        RepoKeys keys = unlock(dir, config, keyOptions);
        Catalog catalog = Catalog.open(dir, false);
        catalog.keepSpaceReserve();
        try {
            // A `partner set` that crashed half-way: finish it, or drop it when the config never changed.
            catalog.transaction(tx -> dev.pactfs.store.PartnerReset.completePending(tx, config.partnerName()));
            ChunkStore store = ChunkStores.open(dir, catalog, keys.blobCipher(), keys.blobIds(), options);
            OpenRepo r = new OpenRepo(dir, config, keys, catalog, store, false);
            PartnerWiring.installFetcher(r);
            return r;
        } catch (IOException | RuntimeException e) {
            catalog.close();
            throw e;
        }
    }

    /** The repo's master key from whichever source the options name; one line when it is wrong. */
    static MasterKey masterKey(Path dir, RepoConfig config, KeyOptions ko) throws IOException {
        return masterKeyAndSlot(dir, config, ko).key();
    }

    /**
     * As {@link #masterKey}, with the passphrase slot that opened it ({@code key list}, {@code key remove}); the slot
     * is null when a machine key or the paper key opened it.
     */
    static KeyFile.Opened masterKeyAndSlot(Path dir, RepoConfig config, KeyOptions ko) throws IOException {
        String wrong = "wrong passphrase or key file for repo " + dir;
        MasterKey key;
        String slot = null;
        try {
            if (ko.keyFile != null) {
                key = KeyFile.readMachineKey(InputFile.readable(ko.keyFile, "--key-file"));
            } else if (ko.hasPaperKey()) {
                key = PaperKey.decode(ko.paperKeyCode());
            } else {
                Path wrapped = dir.resolve(WRAPPED_KEY);
                if (!Files.exists(wrapped)) {
                    String code = KeyOptions.promptPaperKey("recovery code for " + dir + ": ");
                    if (code == null) {
                        throw new UserError("repo " + dir + " has no passphrase key; use --key-file or --paper-key-file");
                    }
                    key = PaperKey.decode(code);
                } else {
                    KeyFile.Opened opened = KeyFile.openSlot(wrapped, config.repoId(),
                            ko.passphrase("passphrase for " + dir + ": "));
                    key = opened.key();
                    slot = opened.slotId();
                }
            }
        } catch (WrongKeyException e) {
            throw new UserError(wrong, e);
        } catch (PaperKeyFormatException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!RepoKeys.derive(key).matchesKeyCheck(config.repoId(), config.keyCheckBytes())) {
            throw new UserError(wrong);
        }
        return new KeyFile.Opened(key, slot);
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

    /** The live filesystem over this repo: the daemon's when run inside it, else a new one closed with the handle. */
    Fs openFs() throws IOException {
        return openFs(this::newChunker);
    }

    /** As {@link #openFs()}; a new filesystem gets its chunkers from {@code chunkers}. */
    Fs openFs(java.util.function.Supplier<Chunker> chunkers) throws IOException {
        DaemonContext daemon = DaemonContext.current();
        if (usesDaemonFs()) {
            return new Fs(daemon.fs(), false);
        }
        return new Fs(dev.pactfs.fs.PactFs.open(catalog, store, dir, chunkers), true);
    }

    /** Whether {@link #openFs} hands out the daemon's filesystem (with the daemon's chunkers). */
    boolean usesDaemonFs() {
        return shared && DaemonContext.current() != null;
    }

    /** An empty plan of this repo's cuts in a stream from offset {@code start} on (see {@link dev.pactfs.chunk.CutPlan}). */
    dev.pactfs.chunk.CutPlan newCutPlan(long start) {
        return new dev.pactfs.chunk.CutPlan(chunkerParams(), keys.cdcSeed(), start);
    }

    /** A chunker that takes cuts from {@code plan} where it has them (see {@link Chunker#fastCdc}). */
    Chunker newChunker(dev.pactfs.chunk.CutPlan plan) {
        return Chunker.fastCdc(chunkerParams(), keys.cdcSeed(), plan);
    }

    /** A live filesystem and whether closing the handle closes it. */
    record Fs(dev.pactfs.fs.PactFs fs, boolean owned) implements Closeable {
        @Override
        public void close() throws IOException {
            if (owned) {
                fs.close();
            }
        }
    }

    /** Whether this is the daemon's repo, used by a command the daemon runs for a client. */
    boolean isShared() {
        return shared;
    }

    @Override
    public void close() throws IOException {
        if (shared) {
            return;
        }
        try {
            store.close();
        } finally {
            catalog.close();
        }
    }
}
