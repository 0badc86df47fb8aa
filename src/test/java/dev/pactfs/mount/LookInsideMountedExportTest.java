package dev.pactfs.mount;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** export-tar and restore --include/--exclude/--verify through the mount daemon; dump and export-tar into a pipe closed after one byte (see {@link LookInside}). */
@Tag("mount")
class LookInsideMountedExportTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void exportThroughTheDaemon() throws Exception {
        LookInside look = LookInside.prepare(fx);
        look.exportAndRestore("mounted");
        look.closedPipe(true);
    }
}
