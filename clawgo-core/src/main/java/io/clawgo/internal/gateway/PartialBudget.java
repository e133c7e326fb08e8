package io.clawgo.internal.gateway;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of incomplete text messages (fragments of a message whose last frame has not come yet) that all control
 * sockets of a gateway hold together, against one maximum: without it, 1,000 sockets that each stall an 8 MiB
 * message one frame before its end would hold 8 GiB. Thread-safe.
 */
final class PartialBudget {
    private final long max;
    private final AtomicLong used = new AtomicLong();

    /**
     * @param max the most bytes held at once, positive
     */
    PartialBudget(long max) {
        if (max <= 0) {
            throw new IllegalArgumentException("partial message budget must be positive, got " + max);
        }
        this.max = max;
    }

    /** Takes {@code n} bytes of the budget; {@code false} (and nothing taken) when they do not fit. */
    boolean reserve(long n) {
        while (true) {
            long u = used.get();
            if (u + n > max) {
                return false;
            }
            if (used.compareAndSet(u, u + n)) {
                return true;
            }
        }
    }

    /** Gives back {@code n} bytes taken with {@link #reserve}. */
    void release(long n) {
        used.addAndGet(-n);
    }

    long used() {
        return used.get();
    }

    long max() {
        return max;
    }
}
