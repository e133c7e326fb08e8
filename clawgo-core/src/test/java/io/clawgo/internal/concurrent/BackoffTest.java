package io.clawgo.internal.concurrent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The retry delay formula: uniform in [min, min(max, min × 2^n)] for the n-th consecutive failure. */
class BackoffTest {

    @Test
    void everyDrawLiesInItsRangeAndTheRangeDoublesUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        for (int attempt = 1; attempt < 40; attempt++) {
            long cap = Math.min(1000, 100L << Math.min(attempt, 10));
            assertThat(Backoff.capMillis(attempt, 100, 1000)).as("cap of attempt %d", attempt).isEqualTo(cap);
            for (int i = 0; i < 50; i++) {
                assertThat(b.delayMillis(attempt)).isBetween(100L, cap);
            }
        }
        assertThat(b.minMillis()).isEqualTo(100);
        assertThat(b.maxMillis()).isEqualTo(1000);
        // attempts below 1 count as the first
        assertThat(Backoff.capMillis(0, 100, 1000)).isEqualTo(200);
        assertThat(Backoff.capMillis(-5, 100, 1000)).isEqualTo(200);
        // jitter: repeated draws of the same attempt differ
        assertThat(IntStream.range(0, 50).mapToLong(i -> b.delayMillis(5)).distinct().count()).isGreaterThan(1);
    }

    @Test
    void theUpperEndOfTheLaterRangesIsReachedAndNeverPassed() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(400));
        long[] draws = IntStream.range(0, 3000).mapToLong(i -> b.delayMillis(10)).toArray();
        assertThat(Arrays.stream(draws).min().getAsLong()).isLessThan(120);
        assertThat(Arrays.stream(draws).max().getAsLong()).isGreaterThan(380).isLessThanOrEqualTo(400);
    }

    @Test
    void firstRetriesAreSpreadOverTheirWholeRangeNotPiledOnTheMinimum() {
        // clients that lost the server together must not come back together: the first retry is uniform in
        // [min, 2 min], so about 1 % of the draws are exactly min (not half of them) and about half are below 1.5 min
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] draws = IntStream.range(0, 2000).mapToLong(i -> b.delayMillis(1)).toArray();
        assertThat(Arrays.stream(draws).filter(d -> d == 100).count()).isLessThan(100);
        assertThat(Arrays.stream(draws).filter(d -> d < 150).count()).isBetween(700L, 1300L);
        assertThat(Arrays.stream(draws).max().getAsLong()).isGreaterThan(190);
    }

    @Test
    void degenerateBoundsAreClampedAndLargeOnesDoNotOverflow() {
        // below 1 ms counts as 1 ms, a max below min counts as min
        Backoff tiny = new Backoff(Duration.ZERO, Duration.ZERO);
        assertThat(tiny.minMillis()).isEqualTo(1);
        assertThat(tiny.maxMillis()).isEqualTo(1);
        assertThat(tiny.delayMillis(3)).isEqualTo(1);
        Backoff fixed = new Backoff(Duration.ofMillis(250), Duration.ofMillis(100));
        assertThat(fixed.maxMillis()).isEqualTo(250);
        assertThat(fixed.delayMillis(7)).isEqualTo(250);
        // a huge max: the doubling stops at it instead of wrapping around
        long max = Long.MAX_VALUE - 1;
        assertThat(Backoff.capMillis(Integer.MAX_VALUE, 3, max)).isEqualTo(max);
        assertThat(Backoff.capMillis(70, 1L << 40, max)).isEqualTo(max);
        assertThat(new Backoff(Duration.ofMillis(1L << 40), Duration.ofMillis(max)).delayMillis(80))
                .isBetween(1L << 40, max);
    }
}
