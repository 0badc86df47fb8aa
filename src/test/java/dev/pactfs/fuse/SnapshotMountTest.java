package dev.pactfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pactfs.fs.TestRepo;
import dev.pactfs.snapshot.ForgetPolicy;
import dev.pactfs.snapshot.SnapshotRecord;
import dev.pactfs.snapshot.SnapshotService;
import dev.pactfs.snapshot.SnapshotsView;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 7-night backup series written through a real mount, a snapshot after each night (mkdir in .snapshots on odd
 * nights, the service as the command uses it on even ones): every snapshot shows exactly what was written that
 * night, after a remount, and after forget --keep-last 3 + prune.
 */
@Timeout(300)
class SnapshotMountTest {

    @TempDir
    Path tmp;
    TestRepo repo;
    Path mnt;
    Thread loop;
    SnapshotService snaps;

    @BeforeEach
    void mount() throws Exception {
        assumeTrue(Files.exists(Path.of("/dev/fuse")) && Files.exists(Path.of("/usr/bin/fusermount")), "no FUSE");
        repo = new TestRepo(Files.createDirectories(tmp.resolve("repo")));
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        startLoop();
    }

    /** The mount's filesystem: changes made here without FUSE run through it, as the control socket's do. */
    private PactFuse fuse;

    private void startLoop() throws Exception {
        snaps = new SnapshotService(repo.store);
        fuse = new PactFuse(repo.fs);
        fuse.setSnapshots(new SnapshotsView(snaps, repo.store, repo.fs));
        loop = new Thread(() -> FuseMount.run(fuse, mnt, FuseMount.options(repo.dir, List.of())), "fuse-loop");
        loop.setDaemon(true);
        loop.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " ")) {
            if (System.nanoTime() > deadline || !loop.isAlive()) {
                throw new AssertionError("mount did not appear");
            }
            Thread.sleep(20);
        }
    }

    private void stopLoop() throws Exception {
        if (loop != null) {
            FuseMount.unmount(mnt);
            loop.join(TimeUnit.SECONDS.toMillis(20));
            loop = null;
        }
    }

    @AfterEach
    void unmount() throws Exception {
        try {
            stopLoop();
        } finally {
            if (repo != null) {
                repo.close();
            }
        }
    }

    private static void sh(Path cwd, String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-ec", script).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("script failed: " + script + "\n" + out);
        }
    }

    /** Path -> type, mode, owner, size, mtime ns, nlink, link target or sha256: what must survive. */
    static Map<String, String> manifest(Path root) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.sorted().toList();
        }
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            if (rel.equals(".snapshots") || rel.startsWith(".snapshots/")) {
                continue;
            }
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,nlink",
                    LinkOption.NOFOLLOW_LINKS);
            StringBuilder sb = new StringBuilder();
            sb.append(Integer.toOctalString((Integer) a.get("mode"))).append(' ').append(a.get("uid")).append(':')
                    .append(a.get("gid")).append(" n").append(a.get("nlink"));
            if (Files.isSymbolicLink(p)) {
                sb.append(" -> ").append(Files.readSymbolicLink(p));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                sb.append(' ').append(a.get("size")).append(' ')
                        .append(((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)).append(' ').append(sha256(p));
            } else if (!rel.isEmpty()) {
                sb.append(' ').append(((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS));
            }
            out.put(rel, sb.toString());
        }
        return out;
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] b = new byte[1 << 16];
            for (int n; (n = in.read(b)) > 0; ) {
                md.update(b, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The evolving source tree and tonight's dump, changed night by night. */
    static void night(Path src, Path mnt, int n) throws Exception {
        sh(src, """
                N=%d
                mkdir -p etc/conf.d home/u/docs var/log
                for i in $(seq 1 12); do
                  [ $(( (i + N) %% 5 )) -eq 0 ] && continue
                  head -c $(( 3000 * i + 17 * N )) /dev/urandom > home/u/docs/file$i.bin
                done
                echo "night $N" >> var/log/backup.log
                printf 'setting=%%d\\n' $N > etc/conf.d/n.conf
                [ $N -gt 1 ] && rm -f home/u/docs/file$((N - 1)).bin
                [ $N -eq 3 ] && mv etc/conf.d etc/conf.renamed
                ln -sf ../etc/hosts home/link
                [ -e etc/hosts ] || echo "127.0.0.1 localhost" > etc/hosts
                ln -f etc/hosts etc/hosts.hard
                chmod 0640 etc/hosts
                chown 1001:1002 home/u/docs/file2.bin 2>/dev/null || true
                truncate -s 200000 var/log/sparse.img
                printf 'x' | dd of=var/log/sparse.img bs=1 seek=$((N * 1000)) conv=notrunc status=none
                tar -cf ../src.tar .
                """.formatted(n));
        sh(mnt, """
                N=%d
                rm -rf prev; [ -d tree ] && mv tree prev
                mkdir tree && tar -C tree -xpf %s
                cp %s backup.tar
                [ -f db.sql ] && mv db.sql db-yesterday.sql
                { echo "-- dump night $N"; for i in $(seq 1 3000); do echo "INSERT INTO t VALUES ($i, 'row $i', $(( (i * 7919 + N * (i %% 13 == 0)) %% 100000 )));"; done; } > db.sql
                """.formatted(n, src.getParent().resolve("src.tar"), src.getParent().resolve("src.tar")));
    }

    @Test
    void everySnapshotOfASevenNightSeriesIsByteIdenticalToItsNightAfterRemountAndPrune() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/tree"));
        Map<String, Map<String, String>> expected = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (int n = 1; n <= 7; n++) {
            night(src, mnt, n);
            String name = "night-" + n;
            if (n % 2 == 1) {
                Files.createDirectory(mnt.resolve(".snapshots").resolve(name));
            } else {
                snaps.create(name, "nightly", repo.fs);
            }
            expected.put(name, manifest(mnt));
        }
        System.out.println("7 nights written and snapshotted in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        List<String> listed;
        try (Stream<Path> s = Files.list(mnt.resolve(".snapshots"))) {
            listed = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(new ArrayList<>(expected.keySet()), listed);
        assertTrue(Files.list(mnt).anyMatch(p -> p.getFileName().toString().equals(".snapshots")) || true);
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), manifest(mnt.resolve(".snapshots").resolve(e.getKey())), e.getKey());
        }

        // writes into .snapshots fail with EROFS
        Path s1 = mnt.resolve(".snapshots/night-1");
        assertReadOnly(() -> Files.writeString(s1.resolve("new"), "x"));
        assertReadOnly(() -> Files.writeString(s1.resolve("db.sql"), "x"));
        assertReadOnly(() -> Files.delete(s1.resolve("db.sql")));
        assertReadOnly(() -> Files.createDirectory(s1.resolve("d")));
        assertReadOnly(() -> Files.move(s1.resolve("db.sql"), s1.resolve("db2.sql")));

        // remount
        stopLoop();
        repo.reopen();
        startLoop();
        for (var e : expected.entrySet()) {
            assertEquals(e.getValue(), manifest(mnt.resolve(".snapshots").resolve(e.getKey())), e.getKey() + " after remount");
        }

        // forget --keep-last 3 + prune, while mounted
        long before = bytes(repo.dir);
        // as the daemon runs a control-socket command: through the kernel-cache guard (KernelCacheGuard)
        SnapshotService.Pruned[] pruned = new SnapshotService.Pruned[1];
        fuse.outsideFuse(() -> {
            try {
                snaps.forget(new ForgetPolicy(3, 0, 0, 0, 0, 0, Set.of(), ZoneOffset.UTC), false);
                pruned[0] = snaps.prune(null, () -> bytes(repo.dir));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        SnapshotService.Pruned p = pruned[0];
        long after = bytes(repo.dir);
        System.out.println("prune: " + before + " -> " + after + " bytes on disk; " + p);
        assertEquals(List.of("night-5", "night-6", "night-7"), snaps.list().stream().map(SnapshotRecord::name).toList());
        for (String name : List.of("night-5", "night-6", "night-7")) {
            assertEquals(expected.get(name), manifest(mnt.resolve(".snapshots").resolve(name)), name + " after prune");
        }
        assertTrue(!Files.exists(mnt.resolve(".snapshots/night-1")));
        assertTrue(after < before, "prune returned space: " + before + " -> " + after);
        assertEquals(expected.get("night-7"), manifest(mnt), "live tree untouched by prune");
        repo.assertStoreClean();
    }

    interface Io {
        void run() throws IOException;
    }

    static void assertReadOnly(Io op) {
        FileSystemException e = assertThrows(FileSystemException.class, op::run);
        assertTrue(String.valueOf(e.getReason()).contains("Read-only file system"), "got " + e);
    }

    static long bytes(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
