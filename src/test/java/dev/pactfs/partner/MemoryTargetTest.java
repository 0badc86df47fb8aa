package dev.pactfs.partner;

import java.nio.charset.StandardCharsets;

class MemoryTargetTest extends PartnerTargetContract {

    @Override
    PartnerTarget newTarget() {
        MemoryTarget t = new MemoryTarget();
        t.corrupt(PartnerTarget.Kind.CONFIG, "config",
                "pactfs-partner-copy\nformat=1\nrepo_id=r1\n".getBytes(StandardCharsets.US_ASCII));
        return t;
    }
}
