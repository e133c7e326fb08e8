package io.clawgo.internal.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtcMillisTest {
    private static final DateTimeFormatter ISO_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    @Test
    void matchesTheJdkFormatterAcrossMinutesYearsAndMillis() {
        Random rnd = new Random(7);
        long[] edges = {0, -1, 59_999, 60_000, 946_684_799_999L, 951_782_400_000L, 253_402_300_799_999L,
                -62_167_219_200_000L, System.currentTimeMillis()};
        for (long e : edges) {
            Instant at = Instant.ofEpochMilli(e);
            assertThat(UtcMillis.format(at)).as("%d", e).isEqualTo(ISO_MILLIS.format(at));
        }
        for (int i = 0; i < 20_000; i++) {
            // runs of nearby instants (the per-minute cache) and jumps anywhere in 0000-9999
            long base = i % 50 == 0 ? rnd.nextLong() % 253_402_300_799_999L : System.currentTimeMillis();
            Instant at = Instant.ofEpochMilli(Math.abs(base) + rnd.nextInt(180_000));
            if (at.toEpochMilli() > 253_402_300_799_999L) {
                continue;
            }
            assertThat(UtcMillis.format(at)).isEqualTo(ISO_MILLIS.format(at));
        }
    }

    @Test
    void dropsSubMillisecondDigitsAndParsesBack() {
        Instant at = Instant.parse("2026-11-26T04:42:07.123456789Z");
        assertThat(UtcMillis.format(at)).isEqualTo("2026-11-26T04:42:07.123Z");
        assertThat(Instant.parse(UtcMillis.format(at))).isEqualTo(Instant.parse("2026-11-26T04:42:07.123Z"));
    }

    @Test
    void yearsOutsideFourDigitsFallBackToTheJdk() {
        Instant far = Instant.parse("+12026-01-01T00:00:00Z");
        assertThat(UtcMillis.format(far)).isEqualTo(far.toString());
    }
}
