package dev.pactfs.cli;

import dev.pactfs.snapshot.GraphCheck;
import dev.pactfs.store.ChunkStore.CheckReport;
import dev.pactfs.store.GraphProof;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Verify the repository: refcounts match references, every payload is where the index says;"
                + " with --read-data, every payload decrypts and hashes to its id. Reports; never repairs.")
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--repo", required = true, paramLabel = "DIR")
    Path repo;

    @Option(names = "--read-data", description = "Also read, decrypt and verify every payload.")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "N/M|N%", description = "As --read-data, for a part of the"
            + " payloads only, as restic: N/M reads group N of M (1/7 to 7/7 over a week reads everything once),"
            + " N% a random N percent. Example: pactfs check --repo R --read-data-subset 1/7")
    String readDataSubset;

    @Option(names = "--read-trees", description = "Also decode every tree of every snapshot and check the references"
            + " the catalog recorded against them; names every file that cannot be restored. Proves the reference"
            + " graph (clears the mark a recovery with losses leaves).")
    boolean readTrees;

    @Option(names = "--repair", description = "With --read-trees: replace recorded references that differ from the"
            + " decoded trees and recompute every refcount.")
    boolean repair;

    @Option(names = "--json", description = "One JSON document on stdout instead of the text report (see the admin"
            + " guide); the exit status is the same.")
    boolean json;

    @Mixin
    KeyOptions keys;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (repair && !readTrees) {
            throw new UserError("--repair needs --read-trees (it repairs references from the decoded trees)");
        }
        if (readData && readDataSubset != null) {
            throw new UserError("give --read-data or --read-data-subset, not both");
        }
        java.util.function.Predicate<dev.pactfs.crypto.ChunkId> subset =
                readDataSubset == null ? null : ReadDataSubset.parse(readDataSubset);
        try (OpenRepo r = OpenRepo.open(Cli.resolve(repo), keys)) {
            java.io.PrintWriter out = spec.commandLine().getOut();
            // With --json the text lines go nowhere and the same facts go into one document.
            java.io.PrintWriter text = json ? new java.io.PrintWriter(java.io.Writer.nullWriter()) : out;
            com.fasterxml.jackson.databind.node.ObjectNode doc = Json.object();
            com.fasterxml.jackson.databind.node.ArrayNode problems = Json.MAPPER.createArrayNode();
            boolean clean = true;
            if (readTrees) {
                GraphCheck.Result g = GraphCheck.run(r.store, repair);
                clean = reportTrees(text, g);
                com.fasterxml.jackson.databind.node.ObjectNode t = doc.putObject("trees");
                t.put("proven", g.proven());
                t.put("decoded", g.walk().trees());
                t.put("files", g.walk().files());
                t.put("missing_chunks", g.walk().missingChunks().size());
                t.put("wrong_edges", g.wrongEdges().size());
                t.put("repaired", g.repaired());
                t.putPOJO("unrestorable_files", g.walk().lostFiles());
            } else {
                String unproven = r.store.catalog().transaction(GraphProof::unproven);
                if (unproven != null) {
                    String p = "the catalog's references are not proven complete (" + unproven
                            + "): nothing is deleted until `" + GraphProof.PROVE_COMMAND + "` proves them";
                    text.println("problem: " + p);
                    problems.add(p);
                    clean = false;
                }
            }
            CheckReport report;
            if (readData || subset != null) {
                java.util.function.Predicate<dev.pactfs.crypto.ChunkId> which = subset != null ? subset : id -> true;
                String what = subset != null ? "check --read-data-subset" : "check --read-data";
                try (Progress progress = Progress.start(what, json, spec.commandLine().getErr())) {
                    report = r.store.check(which, progress::update);
                }
            } else {
                report = r.store.check(false);
            }
            for (String p : report.problems()) {
                text.println("problem: " + p);
                problems.add(p);
            }
            clean &= report.clean();
            text.println((clean ? "ok: " : "FAILED: ") + report.chunks() + " chunks, "
                    + report.storedBytes() + " stored bytes" + (readData || subset != null ? ", " + report.bytesRead() + " bytes read and verified" : "")
                    + (report.clean() ? "" : ", " + report.problems().size() + " problems"));
            if (json) {
                doc.put("ok", clean);
                doc.put("chunks", report.chunks());
                doc.put("stored_bytes", report.storedBytes());
                doc.put("read_data", readData);
                if (subset != null) {
                    doc.put("read_data_subset", readDataSubset);
                }
                if (readData || subset != null) {
                    doc.put("bytes_verified", report.bytesRead());
                }
                doc.set("problems", problems);
                out.println(Json.pretty(doc));
                out.flush();
            }
            return clean ? 0 : Main.EXIT_USER_ERROR;
        }
    }

    private static boolean reportTrees(java.io.PrintWriter out, GraphCheck.Result g) {
        if (g.unproven() != null) {
            out.println("note: the references were unproven before this check (" + g.unproven() + ")");
        }
        for (dev.pactfs.crypto.ChunkId t : g.wrongEdges()) {
            out.println("problem: tree " + t + ": recorded references differ from its content"
                    + (g.repaired() ? " (repaired)" : ""));
        }
        for (dev.pactfs.crypto.ChunkId t : g.walk().unreadableTrees()) {
            out.println("problem: tree " + t + " cannot be read: what lies below it is unknown");
        }
        for (String f : g.walk().lostFiles()) {
            out.println("cannot restore: " + f);
        }
        out.println((g.proven() ? "references proven: " : "references NOT proven: ") + g.walk().trees()
                + " trees decoded, " + g.walk().files() + " files, " + g.walk().missingChunks().size()
                + " chunks missing" + (g.proven() || g.walk().complete() ? ""
                : "; forget the snapshots that reach an unreadable tree, then run this again")
                + (g.wrongEdges().isEmpty() || g.repaired() ? "" : "; rerun with --repair"));
        return g.clean();
    }
}
