package io.clawgo.internal.concurrent;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The library's retry delay: jittered exponential backoff between a smallest delay {@code min} and a largest delay
 * {@code max}. For the n-th consecutive failure (n from 1) the delay is a whole number of milliseconds drawn uniformly
 * from
 *
 * <pre>    [min, cap(n)]   where   cap(n) = min(max, min × 2^n)</pre>
 *
 * so the first retry waits between {@code min} and {@code 2 min}, the second between {@code min} and {@code 4 min},
 * and from the n where {@code min × 2^n} reaches {@code max} on, between {@code min} and {@code max}. The lower end
 * stays at {@code min} (the delay never falls below the configured smallest one) and even the first retry is jittered,
 * which spreads the reconnects of many clients that lost the same server at the same moment. (Drawing in
 * {@code [0, cap]} and raising what falls below {@code min} to {@code min} would put half of the first retries on
 * exactly {@code min}: the clients that lost the server together would come back together.)
 *
 * <p>The node agent's reconnect loop uses it, and the webrtc transport's session re-establishment uses the same
 * formula (its module may only use core's public API, so it keeps a copy whose bounds its tests compare with these);
 * docs/architecture.md states it. Immutable and thread-safe; draws use {@link ThreadLocalRandom}.
 */
public final class Backoff {
    private final long minMs;
    private final long maxMs;

    /**
     * @param min the smallest delay; below 1 ms counts as 1 ms
     * @param max the largest delay; below {@code min} counts as {@code min}
     */
    public Backoff(Duration min, Duration max) {
        this.minMs = Math.max(1, min.toMillis());
        this.maxMs = Math.max(minMs, max.toMillis());
    }

    /**
     * A random delay before retry number {@code attempt}.
     *
     * @param attempt the count of consecutive failures so far, from 1 (lower values count as 1)
     * @return milliseconds, uniform in {@code [min, cap(attempt)]}
     */
    public long delayMillis(int attempt) {
        long cap = capMillis(attempt, minMs, maxMs);
        return minMs + ThreadLocalRandom.current().nextLong(cap - minMs + 1);
    }

    /** The smallest delay in milliseconds. */
    public long minMillis() {
        return minMs;
    }

    /** The largest delay in milliseconds. */
    public long maxMillis() {
        return maxMs;
    }

    /**
     * The upper end of the range of retry number {@code attempt}: {@code min(maxMs, minMs × 2^attempt)}, without
     * overflow.
     *
     * @param attempt consecutive failures, from 1 (lower values count as 1)
     * @param minMs   the smallest delay, at least 1
     * @param maxMs   the largest delay, at least {@code minMs}
     * @return the cap in milliseconds
     */
    public static long capMillis(int attempt, long minMs, long maxMs) {
        int n = Math.max(1, attempt);
        long cap = minMs;
        for (int i = 0; i < n && cap < maxMs; i++) {
            cap = cap > maxMs / 2 ? maxMs : cap * 2;
        }
        return Math.min(cap, maxMs);
    }
}
