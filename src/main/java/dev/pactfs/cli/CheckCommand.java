package dev.pactfs.cli;

import dev.pactfs.store.ChunkStore.CheckReport;
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

    @Mixin
    KeyOptions keys;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        try (OpenRepo r = OpenRepo.open(repo, keys)) {
            CheckReport report = r.store.check(readData);
            java.io.PrintWriter out = spec.commandLine().getOut();
            for (String p : report.problems()) {
                out.println("problem: " + p);
            }
            out.println((report.clean() ? "ok: " : "FAILED: ") + report.chunks() + " chunks, "
                    + report.storedBytes() + " stored bytes" + (readData ? ", " + report.bytesRead() + " bytes read and verified" : "")
                    + (report.clean() ? "" : ", " + report.problems().size() + " problems"));
            return report.clean() ? 0 : Main.EXIT_USER_ERROR;
        }
    }
}
