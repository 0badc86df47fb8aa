package dev.pactfs.partner;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the damaged-copy tests start from: a repo with two snapshots, "first" and "second", each replicated by its
 * own pass into small (64 KiB) packs, so that each snapshot's trees sit in packs of their own.
 */
abstract class TwoReplicatedNights {

    @TempDir
    Path tmp;
    PartnerFixture f;
    Map<String, byte[]> first;
    Map<String, byte[]> second;

    @BeforeEach
    void replicateTwoNights() throws IOException {
        f = PartnerFixture.create(tmp, tmp.resolve("partner"));
        first = PartnerFixture.night(1, 41, 4, 70_000);
        second = PartnerFixture.night(2, 42, 4, 70_000);
        f.snapshot("first", first);
        f.replicator(f.target(), 64 * 1024).runPass();
        f.snapshot("second", second);
        f.replicator(f.target(), 64 * 1024).runPass();
    }

    @AfterEach
    void closeRepo() throws IOException {
        f.close();
    }
}
