package dev.pactfs.cli;

import dev.pactfs.partner.Audit;
import dev.pactfs.partner.PartnerTarget;
import dev.pactfs.partner.PartnerTargets;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs audit --repo /var/lib/pactfs/acme --sample 10"},
        description = "Read a random sample of the packs at the partner back and compare them with the hashes kept at home;"
                + " a pactfs serve host is challenged instead (it hashes a range under a fresh nonce; no download) while"
                + " home still holds a blob of the pack. Exit 1 on any mismatch.")
final class AuditCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "Local repository directory.")
    Path repo;

    @Option(names = "--sample", paramLabel = "PCT", defaultValue = "5", description = "Percent of packs to read (default: ${DEFAULT-VALUE}).")
    double sample;

    @Option(names = "--notify-command", paramLabel = "PATH",
            description = "Run this executable with a JSON event on stdin when the audit finds a problem.")
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
        if (sample <= 0 || sample > 100) {
            throw new UserError("--sample must be a percentage in (0, 100], got " + sample);
        }
        PrintWriter out = json ? new PrintWriter(java.io.Writer.nullWriter()) : spec.commandLine().getOut();
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            PartnerTarget target = PartnerTargets.timed(PartnerWiring.copy(r),
                    dev.pactfs.partner.PartnerTimeouts.defaults());
            Audit.Result res;
            try (Progress progress = Progress.start("audit", json, spec.commandLine().getErr())) {
                res = Audit.run(r.catalog, r.store, target, sample, progress);
            }
            for (String p : res.problems()) {
                out.println(p);
            }
            out.printf("audited %d of %d packs (%d bytes read%s): %s%n", res.packsChecked(), res.packsKnown(),
                    res.bytesRead(), res.challenges().isEmpty() ? "" : ", " + res.challenges().size()
                    + " answered a challenge instead", res.clean() ? "all match" : res.problems().size() + " problems");
            // Besides the content sample, the whole copy by name and size: a deleted record or index is no sample's luck.
            Audit.Listing listing = Audit.listCopy(r.catalog, r.keys.blobCipher(), r.keys.manifestKey(), target);
            for (String p : listing.problems()) {
                out.println(p);
            }
            out.printf("listed the partner copy: %s (manifest sequence %d)%n", listing.problems().isEmpty() ? "all match"
                    : listing.problems().size() + " problems", listing.manifestSeq());
            out.flush();
            boolean clean = res.clean() && listing.problems().isEmpty();
            if (json) {
                com.fasterxml.jackson.databind.node.ObjectNode o = Json.object();
                o.put("ok", clean);
                o.put("packs_checked", res.packsChecked());
                o.put("packs_known", res.packsKnown());
                o.put("bytes_read", res.bytesRead());
                o.putPOJO("sample_problems", res.problems());
                com.fasterxml.jackson.databind.node.ArrayNode ch = o.putArray("challenges");
                for (Audit.Asked a : res.challenges()) {
                    ch.addObject().put("pack", a.pack()).put("offset", a.offset()).put("length", a.length())
                            .put("nonce", a.nonce()).put("ok", a.problem() == null);
                }
                o.put("manifest_seq", listing.manifestSeq());
                o.putPOJO("listing_problems", listing.problems());
                spec.commandLine().getOut().println(Json.pretty(o));
                spec.commandLine().getOut().flush();
            }
            Notifier n = Notifier.of(notifyCommand, r.dir);
            if (n != null && !clean) {
                List<String> all = new java.util.ArrayList<>(res.problems());
                all.addAll(listing.problems());
                n.sendAndWait(n.event("partner_check_failed", "critical", "audit of the partner copy at "
                        + target.location() + ": " + all.size() + " problems (" + String.join("; ",
                        all.subList(0, Math.min(3, all.size()))) + ")"));
                n.close();
            }
            return clean ? 0 : 1;
        }
    }
}
