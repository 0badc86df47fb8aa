package dev.pactfs.mount;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** find and dump with the repo not mounted; dump and export-tar into a pipe closed after one byte (see {@link LookInside}). */
@Tag("mount")
class LookInsideUnmountedFindDumpTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void findAndDumpUnmounted() throws Exception {
        LookInside look = LookInside.prepare(fx);
        fx.unmount();
        look.findAndDump("unmounted");
        look.closedPipe(false);
    }
}
