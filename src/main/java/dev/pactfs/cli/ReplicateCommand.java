package dev.pactfs.cli;

import dev.pactfs.partner.BackgroundReplicator;
import dev.pactfs.partner.CacheLimit;
import dev.pactfs.partner.Replicator;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replicate", mixinStandardHelpOptions = true,
        description = {"Ship blobs and snapshot records not yet at the partner, and delete the records of removed or"
                + " renamed snapshots there: one pass, then exit. Without --once it is the same single pass (an alias"
                + " kept for scripts); the mount daemon replicates continuously in the background.",
            "Exit status 0 when the pass completed, 1 when it failed (the partner unreachable, a check problem)."},
        footer = {"", "Example:", "  pactfs replicate --repo /var/lib/pactfs/acme --once"})
final class ReplicateCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
    Path repo;

    @Option(names = "--once", description = "One pass, then exit (for cron and tests).")
    boolean once;

    @Option(names = "--bandwidth", paramLabel = "RATE", description = "Cap the upload rate, e.g. 80Mbit, 10MB (default: no cap).")
    String bandwidth;

    @Option(names = "--pack-target", paramLabel = "BYTES", hidden = true, description = "Pack target size (tests).")
    Long packTarget;

    @Mixin
    PartnerTimeoutOption partnerTimeout;

    @Option(names = "--notify-command", paramLabel = "PATH",
            description = "Run this executable with a JSON event on stdin when the pass fails or the partner check"
                    + " finds a problem (the mount daemon's own option covers its passes).")
    Path notifyCommand;

    @Option(names = "--json", description = "One JSON document on stdout (see the admin guide); progress, when shown,"
            + " as JSON lines on stderr.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            BackgroundReplicator bg = PartnerWiring.daemon(r.dir);
            Replicator rep;
            if (bg != null && bandwidth == null && packTarget == null && partnerTimeout.value == null) {
                rep = bg.replicator(); // inside the daemon: its replicator, so passes never overlap
            } else {
                Replicator.Options o = Replicator.Options.defaults();
                if (packTarget != null) {
                    o = new Replicator.Options(packTarget, Math.max(packTarget, o.packMaxBytes()));
                }
                if (bandwidth != null) {
                    o = o.withRecompressForWan(); // a capped link: bytes, not CPU, bound the pass
                }
                rep = PartnerWiring.replicator(r, PartnerWiring.target(r, bandwidth, partnerTimeout.timeouts()), o);
            }
            Notifier n = Notifier.of(notifyCommand, r.dir);
            if (n != null && rep != (bg == null ? null : bg.replicator())) {
                rep.setPassListener(new Alerts(n, java.time.Duration.ofHours(1), null));
            }
            Replicator.PassResult p;
            try (Progress progress = Progress.start("replicate", json, spec.commandLine().getErr())) {
                p = rep.runPass(progress);
            } finally {
                if (n != null) {
                    n.close(); // lets the event's command run before this process exits
                }
            }
            long evicted = CacheLimit.enforce(r.store, r.config.cacheMax());
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                o.put("blobs", p.blobs());
                o.put("bytes", p.bytes());
                o.put("packs", p.packs());
                o.put("snapshot_records", p.snapshots());
                o.put("adopted", p.adopted());
                o.put("temp_files_removed", p.tempFilesRemoved());
                o.put("evicted", evicted);
                o.put("manifest_seq", p.manifestSeq());
                o.put("millis", p.millis());
                o.put("partner_matched", p.partnerMatched());
                o.put("lost_blobs", p.lostBlobs());
                o.putPOJO("partner_problems", p.partnerProblems());
                spec.commandLine().getOut().println(Json.pretty(o));
                spec.commandLine().getOut().flush();
                if (!p.partnerMatched()) {
                    spec.commandLine().getErr().printf("pactfs: partner copy at %s did not match home's records%n",
                            rep.target().location());
                    spec.commandLine().getErr().flush();
                    return 1;
                }
                return 0;
            }
            for (String problem : p.partnerProblems()) {
                spec.commandLine().getOut().println("partner: " + problem);
            }
            spec.commandLine().getOut().printf("replicated %d blobs (%d bytes) in %d packs, %d snapshot records;"
                            + " %d blobs adopted from an interrupted pass, %d temp files removed%s (%d ms)%n",
                    p.blobs(), p.bytes(), p.packs(), p.snapshots(), p.adopted(), p.tempFilesRemoved(),
                    evicted > 0 ? ", " + evicted + " local payloads evicted" : "", p.millis());
            if (p.manifestSeq() > 0) {
                spec.commandLine().getOut().printf("published partner manifest %d%n", p.manifestSeq());
            }
            spec.commandLine().getOut().flush();
            if (!p.partnerMatched()) {
                // The pass completed (what home still had went again), but the partner did not hold what it should:
                // cron must hear of it. The next pass exits 0 once the partner matches.
                spec.commandLine().getErr().printf("partner copy at %s did not match home's records: %d problems%s%n",
                        rep.target().location(), p.partnerProblems().size(),
                        p.lostBlobs() > 0 ? ", " + p.lostBlobs() + " blobs lost" : " (repaired from home's copy)");
                spec.commandLine().getErr().flush();
                return 1;
            }
        }
        return 0;
    }
}
