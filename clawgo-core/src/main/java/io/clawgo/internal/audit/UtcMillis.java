package io.clawgo.internal.audit;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/**
 * Formats an instant as RFC 3339 UTC with milliseconds ({@code 2026-11-26T04:42:07.123Z}) for audit lines, about
 * twenty times cheaper than {@code Instant.toString()}: the date, hour and minute are formatted once per minute and
 * reused.
 */
public final class UtcMillis {
    /** The minute last formatted and its text up to the seconds ({@code 2026-11-26T04:42:}). */
    private record Minute(long epochMinute, String prefix) {
    }

    private static volatile Minute last = new Minute(Long.MIN_VALUE, "");

    private UtcMillis() {
    }

    /**
     * @param at the instant; years outside 0000–9999 fall back to a truncated {@link Instant#toString()}
     * @return {@code yyyy-MM-ddTHH:mm:ss.SSSZ}
     */
    public static String format(Instant at) {
        long millis;
        try {
            millis = at.toEpochMilli();
        } catch (ArithmeticException e) {
            return at.toString();
        }
        long epochMinute = Math.floorDiv(millis, 60_000L);
        Minute m = last;
        if (m.epochMinute != epochMinute) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(epochMinute * 60, 0, ZoneOffset.UTC);
            if (t.getYear() < 0 || t.getYear() > 9999) {
                return at.truncatedTo(ChronoUnit.MILLIS).toString();
            }
            StringBuilder p = new StringBuilder(17);
            pad(p, t.getYear(), 4).append('-');
            pad(p, t.getMonthValue(), 2).append('-');
            pad(p, t.getDayOfMonth(), 2).append('T');
            pad(p, t.getHour(), 2).append(':');
            pad(p, t.getMinute(), 2).append(':');
            m = new Minute(epochMinute, p.toString());
            last = m;
        }
        int inMinute = (int) Math.floorMod(millis, 60_000L);
        int seconds = inMinute / 1000;
        int ms = inMinute % 1000;
        char[] tail = {
            (char) ('0' + seconds / 10), (char) ('0' + seconds % 10), '.',
            (char) ('0' + ms / 100), (char) ('0' + ms / 10 % 10), (char) ('0' + ms % 10), 'Z'};
        return m.prefix.concat(new String(tail));
    }

    private static StringBuilder pad(StringBuilder sb, int value, int width) {
        String s = Integer.toString(value);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
