package io.clawgo.transport.webrtc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The session re-establishment delay: the library's one backoff formula, the same ranges as core's. No natives. */
class BackoffTest {

    @Test
    void noFailureMeansNoDelay() {
        assertThat(Backoff.millis(0, Duration.ofMillis(250), Duration.ofSeconds(30))).isZero();
        assertThat(Backoff.millis(-1, Duration.ofMillis(250), Duration.ofSeconds(30))).isZero();
    }

    @Test
    void everyDelayLiesInItsRangeWhichDoublesUpToTheMaximum() {
        Duration min = Duration.ofMillis(250);
        Duration max = Duration.ofSeconds(30);
        for (int failures = 1; failures < 40; failures++) {
            long cap = Math.min(30_000, 250L << Math.min(failures, 10));
            for (int i = 0; i < 50; i++) {
                assertThat(Backoff.millis(failures, min, max)).as("failure %d", failures).isBetween(250L, cap);
            }
        }
        long[] first = IntStream.range(0, 2000).mapToLong(i -> Backoff.millis(1, min, max)).toArray();
        assertThat(Arrays.stream(first).min().getAsLong()).isLessThan(275);
        assertThat(Arrays.stream(first).max().getAsLong()).isGreaterThan(475);
    }

    @Test
    void theRangesAreTheNodeAgentsRanges() {
        long[][] bounds = {{1, 1}, {100, 400}, {250, 30_000}, {500, 30_000}, {1000, 1000}, {3, Long.MAX_VALUE - 1}};
        for (long[] b : bounds) {
            for (int n = 1; n < 70; n++) {
                assertThat(Backoff.capMillis(n, b[0], b[1])).as("cap of failure %d in [%d, %d]", n, b[0], b[1])
                        .isEqualTo(io.clawgo.internal.concurrent.Backoff.capMillis(n, b[0], b[1]));
            }
        }
    }
}
