package dev.pactfs.partner;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses a rate such as {@code 80Mbit}, {@code 10MB}, {@code 500kbit/s}, {@code 1.5Gbit} into bytes per second. */
public final class Bandwidth {

    private static final Pattern RATE = Pattern.compile(
            "\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kKmMgG]?)(i?)(bit|bps|b|B|byte|bytes)?(?:/s)?\\s*");

    private Bandwidth() {
    }

    /**
     * Bytes per second of {@code spec}: a number, an optional SI prefix (k, M, G = 10^3, 10^6, 10^9; with "i",
     * as in MiB, powers of 1024) and a unit: {@code bit}/{@code bps} or a lowercase {@code b} = bits,
     * {@code B}/{@code byte} = bytes. No unit means bytes.
     *
     * @throws IllegalArgumentException with a message naming {@code spec} when it is not a rate
     */
    public static long parseBytesPerSecond(String spec) {
        Matcher m = RATE.matcher(spec == null ? "" : spec);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a bandwidth: '" + spec + "' (examples: 80Mbit, 10MB, 500kbit)");
        }
        double v = Double.parseDouble(m.group(1));
        String prefix = m.group(2).toLowerCase(Locale.ROOT);
        boolean binary = !m.group(3).isEmpty();
        double mult = switch (prefix) {
            case "k" -> binary ? 1024 : 1e3;
            case "m" -> binary ? 1024.0 * 1024 : 1e6;
            case "g" -> binary ? 1024.0 * 1024 * 1024 : 1e9;
            default -> 1;
        };
        String unit = m.group(4) == null ? "B" : m.group(4);
        boolean bits = unit.equals("bit") || unit.equals("bps") || unit.equals("b");
        double bytes = v * mult / (bits ? 8 : 1);
        if (bytes < 1) {
            throw new IllegalArgumentException("bandwidth '" + spec + "' is below 1 byte per second");
        }
        return (long) bytes;
    }
}
