package dev.pactfs.fuse;

import dev.pactfs.mount.MountFixture;
import dev.pactfs.mount.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keeps names cached in the kernel while a script runs in the mount: a loop there stats them every 20 ms, so the
 * kernel holds an answer younger than FuseMount.KERNEL_CACHE_SECONDS at any time (KernelCache*MountTest).
 */
final class StatLoop {

    private StatLoop() {
    }

    /** Runs {@code script} in {@code fx}'s mount (with PACTFS, REPO, BASE set) while a loop there stats {@code names}. */
    static Sh.Result whileCached(MountFixture fx, List<String> names, String script) throws Exception {
        Path stop = fx.base().resolve("stop-stat-loop");
        Files.deleteIfExists(stop);
        StringBuilder stats = new StringBuilder();
        for (String n : names) {
            stats.append(" '").append(n).append('\'');
        }
        Process loop = new ProcessBuilder("bash", "-c", "while [ ! -e '" + stop + "' ]; do stat" + stats
                + " >/dev/null 2>&1 || true; sleep 0.02; done").directory(fx.mnt().toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Thread.sleep(300); // the loop has looked every name up
            Map<String, String> env = MountFixture.env();
            env.put("PACTFS", MountFixture.launcher().toString());
            env.put("REPO", fx.repo().toString());
            env.put("BASE", fx.base().toString());
            return Sh.bash(fx.mnt(), env, MountFixture.CMD_TIMEOUT, script).ok();
        } finally {
            Files.writeString(stop, "");
            if (!loop.waitFor(30, TimeUnit.SECONDS)) {
                loop.destroyForcibly();
            }
        }
    }
}
