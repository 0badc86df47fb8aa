package dev.pactfs.cli;

import dev.pactfs.partner.HostedScrub;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "scrub-hosted", mixinStandardHelpOptions = true,
        footer = {"%nExample:", "  pactfs scrub-hosted /srv/partner-export"},
        description = "At the HOST site, without any key: check every partner copy (pactfs-*) under DIR; exit 0 if intact, 1 if anything is missing or corrupt.")
final class ScrubHostedCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The directory the host exports to its partner.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!java.nio.file.Files.isDirectory(dir)) {
            throw new UserError(dir + (java.nio.file.Files.exists(dir) ? " is not a directory" : " does not exist")
                    + " (the directory the host exports to its partner; is the share mounted?)");
        }
        PrintWriter out = spec.commandLine().getOut();
        HostedScrub.Result r = HostedScrub.scrub(dir, line -> {
            out.println(line);
            out.flush();
        });
        for (String p : r.problems()) {
            out.println(p);
        }
        out.printf("%d copies, %d files, %d bytes checked: %s%n", r.copies(), r.files(), r.bytes(),
                r.clean() ? "all intact" : r.problems().size() + " problems");
        out.flush();
        return r.clean() ? 0 : 1;
    }
}
