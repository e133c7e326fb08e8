package io.clawgo.internal.node;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Full-jitter exponential backoff: for the n-th consecutive failure (n from 1) the delay is random in
 * {@code [0, min(max, min * 2^n)]}, and at least {@code min}. Starting at n = 1 makes even the first retry jittered
 * (random in {@code [min, 2 min]}), which spreads the reconnects of many nodes after a gateway restart.
 */
final class Backoff {
    private final long minMs;
    private final long maxMs;

    Backoff(Duration min, Duration max) {
        this.minMs = Math.max(1, min.toMillis());
        this.maxMs = Math.max(minMs, max.toMillis());
    }

    /** The delay before retry number {@code attempt} (1-based), in milliseconds. */
    long delayMillis(int attempt) {
        int n = Math.max(1, attempt);
        long cap = minMs;
        for (int i = 0; i < n && cap < maxMs; i++) {
            cap *= 2;
        }
        cap = Math.min(cap, maxMs);
        long r = ThreadLocalRandom.current().nextLong(cap + 1);
        return Math.max(minMs, r);
    }

    long maxMillis() {
        return maxMs;
    }
}
