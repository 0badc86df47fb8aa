package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The repo on a 64 MiB tmpfs: a write refused at the disk reserve reaches the notify hook and the metrics. */
@Tag("mount")
class ReserveAlertMountTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual().repoPlacement(TmpfsRepo.of("64m"));

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void reserve() throws Exception {
        fx.init();
        Path events = fx.base().resolve("events.jsonl");
        Path script = fx.base().resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\ncat >> '" + events + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        fx.mount("--notify-command", script.toString(), "--metrics", "127.0.0.1:" + port);
        TestData.randomFile(fx.base().resolve("fill"), 200L << 20, 22);
        Sh.Result full = fx.inMount("dd if=\"$BASE/fill\" of=fill bs=1M conv=fsync status=none");
        assertTrue(full.err().contains("No space left on device"), "the writer must get ENOSPC: " + full);

        List<JsonNode> got = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (got.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(300);
            if (Files.exists(events)) {
                for (String line : Files.readAllLines(events)) {
                    got.add(new ObjectMapper().readTree(line));
                }
            }
        }
        assertEquals(1, got.size(), "one event however many writes were refused (until --notify-repeat): " + got);
        assertEquals("disk_reserve", got.get(0).get("event").asText());
        assertEquals("warning", got.get(0).get("severity").asText());

        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        double enospc = body.lines().filter(l -> l.startsWith("pactfs_errors_total{kind=\"enospc\"} "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
        assertTrue(enospc >= 1, "pactfs_errors_total{kind=\"enospc\"}: " + enospc);
        fx.inMount("rm -f fill && sync").ok();
    }
}
