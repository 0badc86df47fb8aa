package dev.pactfs.mount;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ls, find and dump through the mount daemon (see {@link LookInside}). */
@Tag("mount")
class LookInsideMountedListTest {

    @RegisterExtension
    final MountFixture fx = MountFixture.manual();

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void listThroughTheDaemon() throws Exception {
        LookInside look = LookInside.prepare(fx);
        look.ls("mounted");
        look.findAndDump("mounted");
    }
}
