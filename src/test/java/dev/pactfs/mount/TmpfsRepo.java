package dev.pactfs.mount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A repo on a small tmpfs of its own (BASE/small), unmounted at cleanup: for tests of a full disk. */
final class TmpfsRepo {

    private TmpfsRepo() {
    }

    /** A placement putting the repo on a tmpfs of {@code size} (mount(8)'s size=, e.g. 64m). */
    static MountFixture.RepoPlacement of(String size) {
        return f -> {
            Path small = Files.createDirectory(f.base().resolve("small"));
            Sh.run(null, Map.of(), Duration.ofSeconds(30),
                    List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "pactfs-test", small.toString())).ok();
            f.onCleanup(() -> Sh.run(null, Map.of(), Duration.ofSeconds(30), List.of("umount", small.toString())).ok());
            return small.resolve("repo");
        };
    }
}
