package dev.pactfs.mount;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The launcher run as a script runs it: no passphrase in the environment (tests use machine key files). */
final class CliLauncher {

    private CliLauncher() {
    }

    static Sh.Result pactfs(Map<String, String> env, String... args) {
        List<String> argv = new ArrayList<>(List.of(MountFixture.launcher().toString()));
        argv.addAll(List.of(args));
        return Sh.run(null, env, Duration.ofMinutes(3), argv);
    }

    static Sh.Result pactfs(String... args) {
        return pactfs(Map.of(), args);
    }

    /** The command's stdout as JSON; fails the test when the command failed. */
    static JsonNode json(Sh.Result r) throws Exception {
        return new ObjectMapper().readTree(r.ok().out());
    }
}
