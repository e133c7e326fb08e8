package io.clawgo.transport.webrtc;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Delay before re-establishing a session after {@code failures} consecutive failures: doubling, capped, jittered. */
final class Backoff {
    private Backoff() {
    }

    /** Between half and all of {@code min * 2^(failures-1)}, capped at {@code max}; zero for no failures. */
    static long millis(int failures, Duration min, Duration max) {
        if (failures <= 0) {
            return 0;
        }
        long base = min.toMillis() << Math.min(failures - 1, 20);
        long capped = Math.min(max.toMillis(), Math.max(min.toMillis(), base));
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }
}
