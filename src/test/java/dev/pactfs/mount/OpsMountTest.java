package dev.pactfs.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an operator sees of a running mount: the notify hook (a real script that appends its stdin to a file) and
 * the Prometheus endpoint (scraped over HTTP), with a partner that goes away and comes back. Short test names: the
 * control socket lives under /tmp/pactfs-mt-NAME-*&#47;repo and must fit a unix socket path.
 */
@Tag("mount")
class OpsMountTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    /** Events the script received, one JSON object per line. */
    private List<JsonNode> events(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line)); // each line on its own must be one JSON object
                }
            }
        }
        return out;
    }

    private List<JsonNode> awaitEvents(Path file, String what, Predicate<List<JsonNode>> done) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        List<JsonNode> got = events(file);
        while (!done.test(got) && System.nanoTime() < end) {
            Thread.sleep(300);
            got = events(file);
        }
        assertTrue(done.test(got), "never got " + what + "; events: " + got + "\n" + fx.daemonLog());
        return got;
    }

    private static long count(List<JsonNode> ev, String kind) {
        return ev.stream().filter(e -> e.get("event").asText().equals(kind)).count();
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void alerts() throws Exception {
        Path copy = fx.initWithPartner();
        Path events = fx.base().resolve("events.jsonl");
        Path script = fx.base().resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\ncat >> '" + events + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        // The partner's share is gone (unmounted: an empty directory where the copy was).
        Path away = fx.base().resolve("away");
        Files.move(copy, away);

        fx.mount("--notify-command", script.toString(), "--notify-repeat", "3s", "--rpo-alert", "1s");
        fx.inMount("seq 1 200000 > dump.sql && sync").ok();

        // At once, and again while it lasts (every --notify-repeat).
        List<JsonNode> ev = awaitEvents(events, "two partner_unreachable events",
                l -> count(l, "partner_unreachable") >= 2 && count(l, "rpo_exceeded") >= 1);
        JsonNode first = ev.stream().filter(e -> e.get("event").asText().equals("partner_unreachable"))
                .findFirst().orElseThrow();
        assertEquals("pactfs.event/1", first.get("schema").asText());
        assertEquals("critical", first.get("severity").asText());
        assertEquals(fx.repo().toString(), first.get("repo").asText());
        assertTrue(first.get("message").asText().contains("missing"), first.toString());
        assertTrue(first.get("time_ms").asLong() > 0 && !first.get("repeat").asBoolean(), first.toString());
        JsonNode rpo = ev.stream().filter(e -> e.get("event").asText().equals("rpo_exceeded")).findFirst()
                .orElseThrow();
        assertTrue(rpo.get("message").asText().startsWith("no snapshot safe off-site for "), rpo.toString());

        // status says so right away, inside the daemon too.
        JsonNode st = JSON.readTree(fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(),
                "--json").ok().out());
        assertTrue(st.get("mounted").asBoolean() && st.get("daemon").asBoolean(), st.toString());
        assertEquals(fx.mnt().toString(), st.get("mountpoint").asText());
        assertEquals("unreachable", st.get("partner").asText(), st.toString());

        // The partner comes back: the next pass succeeds, and the alert is resolved once.
        Files.move(away, copy);
        fx.pactfs(Duration.ofMinutes(2), "snapshot", "create", "--repo", fx.repo().toString(), "--name", "n1").ok();
        fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();
        ev = awaitEvents(events, "partner_unreachable_resolved", l -> count(l, "partner_unreachable_resolved") == 1);
        st = JSON.readTree(fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(), "--json")
                .ok().out());
        assertEquals("n1", st.get("last_snapshot_safe").asText(), st.toString());
        assertEquals("reachable", st.get("partner").asText(), st.toString());

        // Gone again with data written: umount says how much did not reach the partner.
        Files.move(copy, away);
        fx.inMount("seq 1 300000 > more.sql && sync").ok();
        Sh.Result um = fx.pactfs(Duration.ofMinutes(2), "umount", fx.mnt().toString()).ok();
        assertTrue(um.err().contains("pactfs: warning: ") && um.err().contains("not yet at the partner"), um.toString());
        assertTrue(um.err().contains("last snapshot safe at the partner: n1"), um.toString());
        MountFixture.sleep(500);

        // A mount that fails tells the hook too (here: the mountpoint is not empty).
        Files.writeString(fx.mnt().resolve("stray"), "x");
        Sh.Result failed = fx.pactfs(Duration.ofMinutes(2), "mount", "--repo", fx.repo().toString(), "--warm-up=0",
                "--notify-command", script.toString(), fx.mnt().toString());
        assertEquals(1, failed.exit(), failed.toString());
        Files.delete(fx.mnt().resolve("stray"));
        ev = awaitEvents(events, "mount_failed", l -> count(l, "mount_failed") == 1);
        JsonNode mf = ev.stream().filter(e -> e.get("event").asText().equals("mount_failed")).findFirst().orElseThrow();
        assertTrue(mf.get("message").asText().contains("is not empty"), mf.toString());

        // A mount whose detached daemon fails (the key file is not a key: found only when the daemon opens the
        // repo) is told once, by the daemon, not again by the client that started it.
        Path notAKey = fx.base().resolve("not-a-key");
        Files.writeString(notAKey, "not a key\n");
        Files.setPosixFilePermissions(notAKey, PosixFilePermissions.fromString("rw-------"));
        Sh.Result daemonFailed = fx.pactfs(Duration.ofMinutes(2), "mount", "--repo", fx.repo().toString(),
                "--key-file", notAKey.toString(), "--warm-up=0", "--notify-command", script.toString(),
                fx.mnt().toString());
        assertEquals(1, daemonFailed.exit(), daemonFailed.toString());
        assertFalse(MountFixture.isMounted(fx.mnt()));
        ev = awaitEvents(events, "a second mount_failed", l -> count(l, "mount_failed") == 2);
        MountFixture.sleep(2000); // a duplicate from the client would come right after the daemon's
        ev = events(events);
        assertEquals(2, count(ev, "mount_failed"), ev.toString());
        JsonNode second = ev.stream().filter(e -> e.get("event").asText().equals("mount_failed")).skip(1)
                .findFirst().orElseThrow();
        assertTrue(second.get("message").asText().contains("wrong passphrase or key file"), second.toString());
    }

    /** name{labels} -> value from the text format. */
    private static Map<String, Double> scrape(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        Map<String, Double> m = new HashMap<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
        }
        return m;
    }

    private static double get(Map<String, Double> m, String key) {
        Double v = m.get(key);
        if (v == null) {
            throw new AssertionError("no " + key + " in " + new java.util.TreeMap<>(m).keySet());
        }
        return v;
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void metrics() throws Exception {
        fx.initWithPartner();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        fx.mount("--metrics", Integer.toString(port));
        // Bound to the loopback address only when none is given: 127.0.0.1 (or ::ffff:127.0.0.1 on a dual-stack
        // JVM) in /proc/net/tcp[6], listening (0A), and not the wildcard address.
        String hex = String.format(":%04X ", port);
        List<String> sockets = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
        sockets.addAll(Files.readAllLines(Path.of("/proc/net/tcp6")));
        assertTrue(sockets.stream().anyMatch(l -> l.contains("0100007F" + hex) && l.contains(" 0A ")),
                "not listening on 127.0.0.1:" + port + ": " + sockets);
        assertTrue(sockets.stream().noneMatch(l -> l.contains(" 00000000" + hex)
                || l.contains(" 00000000000000000000000000000000" + hex)), "listening on every address");

        // The daemon's first pass runs as it mounts, the next one a minute later: wait for the first, so that what
        // is written now stays pending until this test replicates it.
        long passEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (JSON.readTree(fx.pactfs(Duration.ofMinutes(1), "status", "--repo", fx.repo().toString(), "--json", "--offline")
                .ok().out()).get("last_pass_ms").asLong() == 0 && System.nanoTime() < passEnd) {
            Thread.sleep(300);
        }
        Map<String, Double> m0 = scrape(port);
        double written0 = get(m0, "pactfs_written_bytes_total");
        fx.inMount("head -c 4000000 /dev/urandom > a.bin && sync").ok();
        Map<String, Double> m1 = scrape(port);
        // The replication gauges come from one status query cached for a second: a fast write lands inside it.
        long fresh = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (get(m1, "pactfs_replication_pending_bytes") < 4_000_000 && System.nanoTime() < fresh) {
            Thread.sleep(200);
            m1 = scrape(port);
        }
        assertTrue(get(m1, "pactfs_written_bytes_total") >= written0 + 4_000_000, m1.toString());
        assertTrue(get(m1, "pactfs_store_new_plain_bytes_total") >= 4_000_000, m1.toString());
        assertTrue(get(m1, "pactfs_replication_pending_bytes") >= 4_000_000, m1.toString());
        assertTrue(get(m1, "pactfs_replication_oldest_pending_age_seconds") >= 0, m1.toString());
        assertTrue(get(m1, "pactfs_fuse_operation_duration_seconds_count{op=\"write\"}") > 0, m1.toString());
        assertTrue(get(m1, "jvm_memory_used_bytes{area=\"heap\"}") > 0, m1.toString());
        assertEquals(0, get(m1, "pactfs_last_snapshot_safe_timestamp_seconds"), m1.toString());

        // The same content again costs a refcount: dedup savings move, new bytes stored do not.
        fx.inMount("cp a.bin b.bin && sync").ok();
        Map<String, Double> m2 = scrape(port);
        assertTrue(get(m2, "pactfs_dedup_saved_bytes_total") >= get(m1, "pactfs_dedup_saved_bytes_total") + 3_000_000,
                m2.toString());
        assertTrue(get(m2, "pactfs_store_new_stored_bytes_total") < get(m1, "pactfs_store_new_stored_bytes_total")
                + 1_000_000, m2.toString());

        // Snapshot and replicate: nothing pending, and the RPO clock is set.
        long before = System.currentTimeMillis() / 1000 - 1;
        fx.pactfs(Duration.ofMinutes(2), "snapshot", "create", "--repo", fx.repo().toString(), "--name", "n1").ok();
        fx.pactfs(Duration.ofMinutes(2), "replicate", "--repo", fx.repo().toString(), "--once").ok();
        Map<String, Double> m3 = scrape(port);
        fresh = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // past the one-second cache, as above
        while (get(m3, "pactfs_replication_pending_bytes") != 0 && System.nanoTime() < fresh) {
            Thread.sleep(200);
            m3 = scrape(port);
        }
        assertEquals(0, get(m3, "pactfs_replication_pending_bytes"), m3.toString());
        assertTrue(get(m3, "pactfs_last_snapshot_safe_timestamp_seconds") >= before, m3.toString());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (get(m3, "pactfs_partner_up") != 1 && System.nanoTime() < end) {
            Thread.sleep(500);
            m3 = scrape(port);
        }
        assertEquals(1, get(m3, "pactfs_partner_up"), m3.toString());
        assertTrue(get(m3, "pactfs_partner_free_bytes") > 0, m3.toString());
        assertEquals(0, get(m3, "pactfs_errors_total{kind=\"replication\"}"), m3.toString());

        // Every series the shipped Grafana dashboard queries is one the daemon serves.
        String dashboard = Files.readString(MountFixture.projectRoot().resolve("docs/grafana-pactfs.json"));
        java.util.regex.Matcher names = java.util.regex.Pattern.compile("\\b(pactfs_[a-z_]+|jvm_[a-z_]+)").matcher(dashboard);
        final Map<String, Double> last = m3;
        while (names.find()) {
            String n = names.group(1);
            assertTrue(last.keySet().stream().anyMatch(k -> k.equals(n) || k.startsWith(n + "{")),
                    "the dashboard queries " + n + ", which the daemon does not serve");
        }
        fx.unmount();
    }
}
