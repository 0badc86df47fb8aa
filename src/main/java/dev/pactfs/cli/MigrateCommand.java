package dev.pactfs.cli;

import dev.pactfs.crypto.RepoKeys;
import dev.pactfs.snapshot.TreeMigration;
import dev.pactfs.store.Catalog;
import dev.pactfs.store.ChunkStore;
import dev.pactfs.store.ChunkStores;
import dev.pactfs.store.RepoConfig;
import dev.pactfs.store.StoreOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Brings a repo up to the current format. Format 1 to 2: snapshot trees re-encoded under per-kind ids
 * ({@link TreeMigration}), the old trees collected, then the config's {@code format} written last, so a run
 * killed anywhere leaves a format-1 repo that the next run finishes.
 */
@Command(name = "migrate", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs migrate --repo /var/lib/pactfs/acme"},
        description = "Upgrade an unmounted repo to this pactfs's format (format 1 to 2: snapshot trees get ids keyed"
                + " by kind; file data is neither re-encrypted nor re-sent). Safe to interrupt and run again.")
final class MigrateCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = Cli.resolve(repo);
        PrintWriter out = spec.commandLine().getOut();
        RepoConfig config = RepoConfig.read(dir);
        // The key first, even when there is nothing to do: a wrong key is a mistake to hear of now, not at the
        // next migration.
        RepoKeys k = OpenRepo.unlock(dir, config, keys);
        if (config.format() == RepoConfig.FORMAT) {
            out.println("repo " + dir + " is already at format " + RepoConfig.FORMAT + ": nothing to do");
            return 0;
        }
        if (ControlClient.daemonServes(dir)) {
            throw new UserError("repo " + dir + " is mounted: unmount it (pactfs umount MOUNTPOINT), then run migrate");
        }
        TreeMigration.Result r;
        ChunkStore.GcStats gc;
        try (Catalog catalog = Catalog.open(dir, false);
             ChunkStore store = ChunkStores.open(dir, catalog, k.blobCipher(), k.transitionalBlobIds(),
                     StoreOptions.defaults())) {
            r = new TreeMigration(store).run();
            gc = store.collectGarbage(); // the old trees, cascading through their edges
            catalog.compact();
            store.sync();
        }
        // Last: from here on the repo opens strictly, with format-2 ids only.
        config.withFormat(RepoConfig.FORMAT).write(dir);
        out.printf("migrated repo %s to format %d: %d snapshots (%d moved to new trees, %d tree blobs written%s),"
                        + " %d old blobs freed%n", dir, RepoConfig.FORMAT, r.snapshots(), r.migrated(), r.treesWritten(),
                r.repaired() == 0 ? "" : ", " + r.repaired() + " trees recovered from file chunks that had taken their ids",
                gc.chunksFreed());
        if (config.hasPartner() && r.migrated() > 0) {
            out.println("the partner gets the new trees and snapshot records with the next replication;"
                    + " the next prune deletes the old records there");
        }
        return 0;
    }
}
