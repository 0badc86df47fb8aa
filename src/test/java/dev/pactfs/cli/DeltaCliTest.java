package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pactfs.store.DeltaStoreTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeltaCliTest {

    @TempDir
    Path tmp;

    static long field(String json, String name, int occurrence) {
        Matcher m = Pattern.compile("\"" + name + "\": ?(\\d+)").matcher(json);
        for (int i = 0; i <= occurrence; i++) {
            if (!m.find()) {
                throw new AssertionError("no " + name + " #" + occurrence + " in " + json);
            }
        }
        return Long.parseLong(m.group(1));
    }

    @Test
    void snapshot_list_json_and_status_report_new_bytes_and_deltas_per_snapshot() throws Exception {
        String repo = tmp.resolve("repo").toString();
        String key = tmp.resolve("k.key").toString();
        assertEquals(0, CliRun.run("init", "--repo", repo, "--key-file", key).exit());
        byte[] v1 = DeltaStoreTest.lines(1, 3_000_000);
        byte[] v2 = DeltaStoreTest.edited(v1, 2, 100);
        Path f1 = Files.write(tmp.resolve("v1.sql"), v1);
        Path f2 = Files.write(tmp.resolve("v2.sql"), v2);
        CliRun.Result p1 = CliRun.run("put", "--repo", repo, "--key-file", key, f1.toString(), "db.sql");
        assertEquals(0, p1.exit(), p1.toString());
        assertEquals(0, CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "n1").exit());
        Thread.sleep(5); // distinct snapshot times
        CliRun.Result p2 = CliRun.run("put", "--repo", repo, "--key-file", key, f2.toString(), "db.sql");
        assertEquals(0, p2.exit(), p2.toString());
        assertTrue(p2.err().contains("deltas: "), p2.err());
        assertEquals(0, CliRun.run("snapshot", "create", "--repo", repo, "--key-file", key, "--name", "n2").exit());

        CliRun.Result list = CliRun.run("snapshot", "list", "--repo", repo, "--key-file", key, "--json");
        assertEquals(0, list.exit(), list.toString());
        assertEquals(0, field(list.out(), "deltas", 0), list.out());
        long deltas2 = field(list.out(), "deltas", 1);
        assertTrue(deltas2 > 0, list.out());
        long new1 = field(list.out(), "new_stored_bytes", 0);
        long new2 = field(list.out(), "new_stored_bytes", 1);
        assertTrue(new2 * 5 < new1, "night 2 costs a fraction of night 1: " + list.out());
        assertTrue(field(list.out(), "delta_bytes_saved", 1) > 0);

        CliRun.Result st = CliRun.run("status", "--repo", repo, "--key-file", key, "--json");
        assertEquals(0, st.exit(), st.toString());
        assertEquals(deltas2, field(st.out(), "deltas", 0), st.out());
    }
}
