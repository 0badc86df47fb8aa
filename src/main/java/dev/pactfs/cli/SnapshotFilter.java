package dev.pactfs.cli;

import dev.pactfs.snapshot.ForgetPolicy;
import dev.pactfs.snapshot.SnapshotException;
import dev.pactfs.snapshot.SnapshotRecord;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;

/** The {@code --tag} and {@code --since} filters of {@code snapshot list} and {@code stats}. */
record SnapshotFilter(List<String> tags, Long sinceMs) {

    static SnapshotFilter of(List<String> tags, String since) throws SnapshotException {
        return new SnapshotFilter(tags == null ? List.of() : List.copyOf(tags),
                since == null ? null : parseSince(since, System.currentTimeMillis(), ZoneId.systemDefault()));
    }

    /**
     * {@code WHEN} as ms since the epoch: a date (local midnight), a date and time (with an offset or Z, else local),
     * or a span back from {@code nowMs} as {@code forget --keep-within} takes it (7d, 12h, 1m).
     */
    static long parseSince(String when, long nowMs, ZoneId zone) throws SnapshotException {
        try {
            return LocalDate.parse(when).atStartOfDay(zone).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // not a date
        }
        try {
            return OffsetDateTime.parse(when).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // no offset
        }
        try {
            return LocalDateTime.parse(when).atZone(zone).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            // not a local time either
        }
        try {
            ForgetPolicy.Within w = ForgetPolicy.Within.parse(when);
            return Instant.ofEpochMilli(nowMs).atZone(zone).minusYears(w.years()).minusMonths(w.months())
                    .minusDays(w.days()).minusHours(w.hours()).toInstant().toEpochMilli();
        } catch (SnapshotException e) {
            throw new SnapshotException("--since '" + when + "': use a date (2026-11-01), a time"
                    + " (2026-11-01T08:00:00Z) or a span back from now (7d, 12h)");
        }
    }

    List<SnapshotRecord> apply(List<SnapshotRecord> all) {
        return all.stream()
                .filter(s -> sinceMs == null || s.timeMs() >= sinceMs)
                .filter(s -> tags.isEmpty() || tags.stream().anyMatch(t -> s.tags().contains(t)))
                .toList();
    }
}
