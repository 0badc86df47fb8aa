package dev.pactfs.mount;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ls with the repo not mounted (see {@link LookInside}). */
@Tag("mount")
class LookInsideUnmountedLsTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void lsUnmounted() throws Exception {
        LookInside look = LookInside.prepare(fx);
        fx.unmount();
        look.ls("unmounted");
    }
}
