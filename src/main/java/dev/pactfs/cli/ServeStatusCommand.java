package dev.pactfs.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pactfs.host.HostStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"At the HOST site: each tenant's copies, bytes used of its quota, manifest head (sequence and"
                + " the time home made it), objects stored and the last accepted upload. Reads DIR; the daemon need"
                + " not run.",
            "Example: pactfs serve status --root /srv/pactfs --json"})
final class ServeStatusCommand implements Callable<Integer> {

    @Option(names = "--root", required = true, paramLabel = "DIR", description = "The root `pactfs serve` uses.")
    Path root;

    @Option(names = "--json", description = "One JSON document on stdout (see the admin guide).")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<HostStatus.Tenant> tenants;
        try {
            tenants = HostStatus.read(root);
        } catch (HostStatus.NotAServeRootException e) {
            throw new UserError(e.getMessage());
        } catch (IOException e) {
            // A damaged quota file, an unreadable directory: one line naming the file, no stack trace.
            throw new UserError("cannot read " + root + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.pretty(json(tenants)) : table(tenants));
        out.flush();
        return 0;
    }

    private ObjectNode json(List<HostStatus.Tenant> tenants) {
        ObjectNode o = Json.object();
        o.put("root", root.toString());
        ArrayNode ts = o.putArray("tenants");
        for (HostStatus.Tenant t : tenants) {
            ObjectNode tn = ts.addObject();
            tn.put("name", t.name());
            tn.put("paired", t.paired());
            tn.put("used_bytes", t.usedBytes());
            tn.put("quota_bytes", t.quotaBytes());
            ArrayNode cs = tn.putArray("copies");
            for (HostStatus.Copy c : t.copies()) {
                ObjectNode cn = cs.addObject();
                cn.put("copy", c.copy());
                cn.put("manifest_seq", c.headSeq());
                cn.put("manifest_name", c.headName());
                cn.put("manifest_time", iso(c.headTimeMs()));
                cn.put("manifest_problem", c.headProblem());
                cn.put("objects", c.objects());
                cn.put("last_upload", iso(c.lastUploadMs()));
            }
        }
        return o;
    }

    private static String table(List<HostStatus.Tenant> tenants) {
        if (tenants.isEmpty()) {
            return "no tenants yet (add one with `pactfs serve pair`)";
        }
        StringBuilder b = new StringBuilder(String.format("%-16s %-40s %-24s %6s %-20s %8s %-20s%n", "TENANT", "COPY",
                "USED / QUOTA", "HEAD", "HEAD MADE", "OBJECTS", "LAST UPLOAD"));
        for (HostStatus.Tenant t : tenants) {
            String used = StatusCommand.human(t.usedBytes()) + " / " + StatusCommand.human(t.quotaBytes());
            String name = t.name() + (t.paired() ? "" : " (unpaired)");
            if (t.copies().isEmpty()) {
                b.append(String.format("%-16s %-40s %-24s %6s %-20s %8s %-20s%n", name, "-", used, "-", "-", 0, "-"));
            }
            for (HostStatus.Copy c : t.copies()) {
                b.append(String.format("%-16s %-40s %-24s %6s %-20s %8d %-20s%n", name, c.copy(), used,
                        c.headSeq() == 0 ? "-" : Long.toString(c.headSeq()), c.headTimeMs() == null ? "-" : iso(c.headTimeMs()),
                        c.objects(), c.lastUploadMs() == null ? "-" : iso(c.lastUploadMs())));
                if (c.headProblem() != null) {
                    b.append("  head of ").append(c.copy()).append(": ").append(c.headProblem()).append('\n');
                }
            }
        }
        return b.toString().stripTrailing();
    }

    /** UTC to the second, as the other status outputs; null stays null (JSON null). */
    private static String iso(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }
}
