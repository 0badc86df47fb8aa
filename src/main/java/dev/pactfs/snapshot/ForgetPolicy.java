package dev.pactfs.snapshot;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Which snapshots to keep, as restic's {@code forget} decides it: snapshots are taken newest first; for each
 * rule with a count left, a snapshot whose bucket (its hour, day, ISO week, month or year in {@code zone})
 * differs from the last bucket that rule kept is kept, and the rule's count drops by one. {@code last} keeps the
 * n newest; a tag rule keeps every snapshot with one of the tags. A snapshot kept by any rule is kept; the
 * reasons say which. A count of -1 means unlimited (restic's convention). Unlike restic, snapshots are not
 * grouped by host and paths: a pactfs repo has one tree.
 */
public record ForgetPolicy(int last, int hourly, int daily, int weekly, int monthly, int yearly, Set<String> tags,
                           ZoneId zone, Within within) {

    /** The policy without {@code --keep-within}. */
    public ForgetPolicy(int last, int hourly, int daily, int weekly, int monthly, int yearly, Set<String> tags,
                        ZoneId zone) {
        this(last, hourly, daily, weekly, monthly, yearly, tags, zone, null);
    }

    /**
     * restic's {@code --keep-within 1y5m7d2h}: keep every snapshot taken within that span before the newest
     * snapshot (not before now, so a repo nobody snapshots any more does not empty itself). Years, months and
     * days are calendar units in the policy's zone, as restic's AddDate.
     */
    public record Within(int years, int months, int days, int hours) {

        private static final java.util.regex.Pattern FORMAT =
                java.util.regex.Pattern.compile("(?:(\\d+)y)?(?:(\\d+)m)?(?:(\\d+)d)?(?:(\\d+)h)?");

        /** Parses {@code 1y5m7d2h} (any part may be left out, in that order); a {@link SnapshotException} otherwise. */
        public static Within parse(String s) throws SnapshotException {
            java.util.regex.Matcher m = FORMAT.matcher(s == null ? "" : s);
            if (s == null || s.isEmpty() || !m.matches()) {
                throw new SnapshotException("invalid duration '" + s + "': use e.g. 7d, 2h, 1y6m or 1y5m7d2h");
            }
            try {
                return new Within(num(m.group(1)), num(m.group(2)), num(m.group(3)), num(m.group(4)));
            } catch (NumberFormatException e) {
                throw new SnapshotException("invalid duration '" + s + "': number too large");
            }
        }

        private static int num(String g) {
            return g == null ? 0 : Integer.parseInt(g);
        }

        /** The earliest time kept: {@code newest} minus this span. */
        long cutoffMs(long newestMs, ZoneId zone) {
            return Instant.ofEpochMilli(newestMs).atZone(zone).minusYears(years).minusMonths(months).minusDays(days)
                    .minusHours(hours).toInstant().toEpochMilli();
        }

        @Override
        public String toString() {
            return (years > 0 ? years + "y" : "") + (months > 0 ? months + "m" : "") + (days > 0 ? days + "d" : "")
                    + (hours > 0 || years + months + days == 0 ? hours + "h" : "");
        }
    }

    /** What the policy decided: snapshots to keep (newest first, each with its reasons) and to remove. */
    public record Decision(List<SnapshotRecord> keep, Map<String, List<String>> reasons, List<SnapshotRecord> remove) {
    }

    public boolean isEmpty() {
        return last == 0 && hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && tags.isEmpty()
                && within == null;
    }

    private record Rule(String name, int count, Function<ZonedDateTime, Long> bucket) {
    }

    public Decision apply(List<SnapshotRecord> snapshots) throws SnapshotException {
        if (isEmpty()) {
            throw new SnapshotException("no policy given: refusing to forget every snapshot (use --keep-*)");
        }
        List<SnapshotRecord> sorted = new ArrayList<>(snapshots);
        sorted.sort(Comparator.comparingLong(SnapshotRecord::timeMs).reversed());
        long[] seq = {0};
        long cutoff = within == null || sorted.isEmpty() ? Long.MAX_VALUE
                : within.cutoffMs(sorted.get(0).timeMs(), zone);
        List<Rule> rules = List.of(
                new Rule("last", last, t -> seq[0]++),
                new Rule("hourly", hourly, t -> t.getYear() * 1_000_000L + t.getDayOfYear() * 100L + t.getHour()),
                new Rule("daily", daily, t -> t.getYear() * 1000L + t.getDayOfYear()),
                new Rule("weekly", weekly, t -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L
                        + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                new Rule("monthly", monthly, t -> t.getYear() * 100L + t.getMonthValue()),
                new Rule("yearly", yearly, t -> (long) t.getYear()));
        int[] left = rules.stream().mapToInt(Rule::count).toArray();
        Long[] lastBucket = new Long[rules.size()];
        List<SnapshotRecord> keep = new ArrayList<>();
        List<SnapshotRecord> remove = new ArrayList<>();
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        for (SnapshotRecord s : sorted) {
            ZonedDateTime t = Instant.ofEpochMilli(s.timeMs()).atZone(zone);
            List<String> why = new ArrayList<>();
            for (String tag : s.tags()) {
                if (tags.contains(tag)) {
                    why.add("tag " + tag);
                }
            }
            if (s.timeMs() >= cutoff) {
                why.add("within " + within);
            }
            for (int i = 0; i < rules.size(); i++) {
                if (left[i] == 0) {
                    continue;
                }
                long b = rules.get(i).bucket().apply(t);
                if (lastBucket[i] == null || lastBucket[i] != b) {
                    lastBucket[i] = b;
                    if (left[i] > 0) {
                        left[i]--;
                    }
                    why.add(rules.get(i).name());
                }
            }
            if (why.isEmpty()) {
                remove.add(s);
            } else {
                keep.add(s);
                reasons.put(s.name(), why);
            }
        }
        return new Decision(keep, reasons, remove);
    }
}
