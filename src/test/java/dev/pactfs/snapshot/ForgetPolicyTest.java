package dev.pactfs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Table-driven like restic's forget tests: a fixed series of snapshot times, a policy, the names kept. */
class ForgetPolicyTest {

    /** Times of the series, as restic's testdata style: several per day, days, weeks, months, years. */
    static final String[] TIMES = {
        "2014-09-01T10:20:30Z", "2014-09-02T10:20:30Z", "2014-09-05T10:20:30Z", "2014-09-06T10:20:30Z",
        "2014-09-08T10:20:30Z", "2014-09-09T10:20:30Z", "2014-09-10T10:20:30Z", "2014-09-11T10:20:30Z",
        "2014-09-20T10:20:30Z", "2014-09-22T10:20:30Z", "2014-10-01T10:20:30Z", "2014-10-01T11:20:30Z",
        "2014-10-01T11:50:30Z", "2014-10-02T10:20:30Z", "2014-11-10T10:20:30Z", "2014-11-12T10:20:30Z",
        "2014-11-13T10:20:30Z", "2015-05-01T10:20:30Z", "2015-10-22T10:20:30Z", "2016-01-01T07:08:03Z",
    };

    static List<SnapshotRecord> series() {
        List<SnapshotRecord> out = new ArrayList<>();
        for (int i = 0; i < TIMES.length; i++) {
            out.add(new SnapshotRecord(dev.pactfs.store.SnapshotId.random(), "s" + i, Instant.parse(TIMES[i]).toEpochMilli(),
                    0, "h", i % 5 == 0 ? List.of("monthly-keep") : List.of(), TreeCodecTest.id(1), null, null));
        }
        return out;
    }

    static ForgetPolicy p(int last, int hourly, int daily, int weekly, int monthly, int yearly, Set<String> tags) {
        return new ForgetPolicy(last, hourly, daily, weekly, monthly, yearly, tags, ZoneOffset.UTC);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(p(3, 0, 0, 0, 0, 0, Set.of()), List.of("s19", "s18", "s17")),
                Arguments.of(p(0, 0, 0, 0, 0, 1, Set.of()), List.of("s19")),
                Arguments.of(p(0, 0, 0, 0, 0, 3, Set.of()), List.of("s19", "s18", "s16")),
                Arguments.of(p(0, 0, 0, 0, 3, 0, Set.of()), List.of("s19", "s18", "s17")),
                Arguments.of(p(0, 0, 0, 0, 5, 0, Set.of()), List.of("s19", "s18", "s17", "s16", "s13")),
                // daily: 2014-10-01 has three snapshots; only its newest (s12) counts for that day
                Arguments.of(p(0, 0, 7, 0, 0, 0, Set.of()), List.of("s19", "s18", "s17", "s16", "s15", "s14", "s13")),
                Arguments.of(p(0, 0, 9, 0, 0, 0, Set.of()),
                        List.of("s19", "s18", "s17", "s16", "s15", "s14", "s13", "s12", "s9")),
                Arguments.of(p(0, 2, 0, 0, 0, 0, Set.of()), List.of("s19", "s18")),
                // weekly: ISO weeks; 2014-09-08..11 are one week (s7 newest), 09-01..06 another (s3)
                Arguments.of(p(0, 0, 0, 8, 0, 0, Set.of()),
                        List.of("s19", "s18", "s17", "s16", "s13", "s9", "s8", "s7")),
                Arguments.of(p(0, 0, 0, 0, 0, 0, Set.of("monthly-keep")), List.of("s15", "s10", "s5", "s0")),
                // rules combine: a snapshot kept by any rule is kept
                Arguments.of(p(1, 0, 0, 0, 0, 2, Set.of("monthly-keep")), List.of("s19", "s18", "s15", "s10", "s5", "s0")),
                // -1 is unlimited
                Arguments.of(p(0, 0, 0, 0, 0, -1, Set.of()), List.of("s19", "s18", "s16")),
                Arguments.of(p(100, 0, 0, 0, 0, 0, Set.of()), names(19, 0)));
    }

    static List<String> names(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i >= to; i--) {
            out.add("s" + i);
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void policyKeepsExactlyTheExpectedSnapshots(ForgetPolicy policy, List<String> expected) throws Exception {
        ForgetPolicy.Decision d = policy.apply(series());
        assertEquals(expected, d.keep().stream().map(SnapshotRecord::name).toList());
        assertEquals(TIMES.length, d.keep().size() + d.remove().size());
    }

    @Test
    void anEmptyPolicyIsRefusedRatherThanForgettingEverything() {
        assertThrows(SnapshotException.class, () -> p(0, 0, 0, 0, 0, 0, Set.of()).apply(series()));
    }
}
