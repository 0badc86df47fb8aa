package dev.pactfs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a fuzz test's seed corpus where Jazzer looks for it:
 * {@code src/test/resources/<package>/<Class>Inputs/<method>/<name>}. Used by each fuzz test's {@code writeSeeds},
 * which runs only with {@code -Dpactfs.writeSeeds=true} (docs/testing.md).
 */
public final class FuzzSeeds {

    /**
     * How long {@code JAZZER_FUZZ=1} fuzzes one target (Jazzer's maxDuration); plain {@code mvn test} only replays
     * the corpus and ignores it. Raise it for a long campaign (docs/testing.md).
     */
    public static final String CAMPAIGN = "3m";

    private final Path dir;

    public FuzzSeeds(Class<?> fuzzTest) {
        this.dir = Path.of("src/test/resources", fuzzTest.getPackageName().replace('.', '/'),
                fuzzTest.getSimpleName() + "Inputs");
    }

    /** Seeds {@code method} with {@code bytes} under {@code name}. */
    public void put(String method, String name, byte[] bytes) {
        try {
            Path d = Files.createDirectories(dir.resolve(method));
            Files.write(d.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code head} followed by {@code tail}: FuzzedDataProvider takes numbers and booleans from the end. */
    public static byte[] concat(byte[] head, byte... tail) {
        byte[] out = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }
}
