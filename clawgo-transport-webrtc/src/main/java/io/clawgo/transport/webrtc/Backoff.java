package io.clawgo.transport.webrtc;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Delay before re-establishing a session after {@code failures} consecutive failures, by the library's one backoff
 * formula (docs/architecture.md, "Retry delays"): uniform in {@code [min, cap(n)]} with
 * {@code cap(n) = min(max, min × 2^n)} for the n-th failure in a row. Core's node agent uses the same formula
 * ({@code io.clawgo.internal.concurrent.Backoff}); a transport may use core's public API only, so this is a copy, and
 * {@code BackoffTest} checks that the two ranges agree. Stateless and thread-safe.
 */
final class Backoff {
    private Backoff() {
    }

    /**
     * A random delay, or zero for no failures.
     *
     * @param failures consecutive failures so far
     * @param min      the smallest delay (below 1 ms counts as 1 ms)
     * @param max      the largest delay (below {@code min} counts as {@code min})
     * @return milliseconds, uniform in {@code [min, cap(failures)]}; 0 when {@code failures <= 0}
     */
    static long millis(int failures, Duration min, Duration max) {
        if (failures <= 0) {
            return 0;
        }
        long minMs = Math.max(1, min.toMillis());
        long cap = capMillis(failures, minMs, Math.max(minMs, max.toMillis()));
        return minMs + ThreadLocalRandom.current().nextLong(cap - minMs + 1);
    }

    /** {@code min(maxMs, minMs × 2^failures)} without overflow, for {@code failures >= 1}. */
    static long capMillis(int failures, long minMs, long maxMs) {
        long cap = minMs;
        for (int i = 0; i < failures && cap < maxMs; i++) {
            cap = cap > maxMs / 2 ? maxMs : cap * 2;
        }
        return Math.min(cap, maxMs);
    }
}
