package dev.pactfs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The client's side of a forwarded command's progress: draws the PROGRESS events the mount daemon sends as the
 * same terminal bar the command draws when it runs here, one per task; without a terminal, drops them (as a
 * command run here is silent then). Used by the relaying thread only.
 */
final class ProgressRelay implements AutoCloseable {

    private final boolean terminal;
    private final Map<String, Progress> bars = new LinkedHashMap<>();

    ProgressRelay(boolean terminal) {
        this.terminal = terminal;
    }

    /** Whether this process may draw on a terminal (stderr is one, as far as the JDK can tell). */
    static ProgressRelay forThisProcess() {
        return new ProgressRelay(System.console() != null);
    }

    /** One PROGRESS frame's payload. */
    void event(byte[] payload) throws IOException {
        if (!terminal) {
            return;
        }
        JsonNode e = Json.MAPPER.readTree(new String(payload, StandardCharsets.UTF_8));
        String task = e.path("task").asText("progress");
        Progress bar = bars.computeIfAbsent(task, Progress::bar);
        bar.update(e.path("done_bytes").asLong(), e.path("total_bytes").asLong());
        if (e.path("finished").asBoolean()) {
            bars.remove(task).close();
        }
    }

    /** Ends the bars whose last event never came (the command failed or was cancelled). */
    @Override
    public void close() {
        bars.values().forEach(Progress::close);
        bars.clear();
    }
}
