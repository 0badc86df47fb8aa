package dev.pactfs.mount;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** export-tar and restore --include/--exclude/--verify with the repo not mounted (see {@link LookInside}). */
@Tag("mount")
class LookInsideUnmountedExportTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void exportUnmounted() throws Exception {
        LookInside look = LookInside.prepare(fx);
        fx.unmount();
        look.exportAndRestore("unmounted");
    }
}
