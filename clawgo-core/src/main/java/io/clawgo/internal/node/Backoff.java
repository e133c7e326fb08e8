package io.clawgo.internal.node;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Jittered exponential backoff: for the n-th consecutive failure (n from 1) the delay is uniformly random in
 * {@code [min, min(max, min * 2^n)]}. Starting at n = 1 makes even the first retry jittered (uniform in
 * {@code [min, 2 min]}), which spreads the reconnects of many nodes after a gateway restart. (Drawing in
 * {@code [0, cap]} and raising what falls below {@code min} to {@code min} would put half of the first retries on
 * exactly {@code min}: the nodes that lost the gateway together would come back together.)
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
        return minMs + ThreadLocalRandom.current().nextLong(cap - minMs + 1);
    }

    long maxMillis() {
        return maxMs;
    }
}
