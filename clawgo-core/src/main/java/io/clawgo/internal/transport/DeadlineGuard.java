package io.clawgo.internal.transport;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes futures that are still pending after their deadline, checked by one periodic sweep.
 *
 * <p>This replaces {@code CompletableFuture.completeOnTimeout} on the dispatch path: that schedules and cancels one
 * task per call on the JDK's shared delay thread, which became the head of its queue on every sequential call and so
 * woke that thread once per dispatch. Here a call costs one map insert and one removal; the price is precision (the
 * sweep period), which suits a guard that only fires when a transport breaks its contract.
 */
final class DeadlineGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadlineGuard.class);

    /** A watched future, its deadline ({@link System#nanoTime()}) and the value it gets when that passes. */
    private record Watch<T>(CompletableFuture<T> future, long deadline, Supplier<T> onExpiry) {
        void expire() {
            future.complete(onExpiry.get());
        }
    }

    /** Keyed by the future itself (identity: futures do not override {@code equals}). */
    private final Map<CompletableFuture<?>, Watch<?>> watched = new ConcurrentHashMap<>();
    private final ScheduledFuture<?> sweeper;

    /**
     * @param scheduler   runs the sweep
     * @param periodMillis time between sweeps, which is also the precision of the deadlines
     */
    DeadlineGuard(ScheduledExecutorService scheduler, long periodMillis) {
        this.sweeper = scheduler.scheduleWithFixedDelay(this::sweep, periodMillis, periodMillis,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Watches {@code future} until it completes; if it is still pending at {@code deadlineNanos}, it is completed
     * with {@code onExpiry.get()} by the next sweep.
     *
     * @return {@code future}, for chaining
     */
    <T> CompletableFuture<T> watch(CompletableFuture<T> future, long deadlineNanos, Supplier<T> onExpiry) {
        if (future.isDone()) {
            return future;
        }
        watched.put(future, new Watch<>(future, deadlineNanos, onExpiry));
        future.whenComplete((v, e) -> watched.remove(future));
        return future;
    }

    /** The number of futures watched now. */
    int size() {
        return watched.size();
    }

    /** One pass: completes the watched futures whose deadline has passed. */
    void sweep() {
        try {
            long now = System.nanoTime();
            for (Watch<?> w : watched.values()) {
                if (now - w.deadline() >= 0) {
                    w.expire(); // its whenComplete removes it
                }
            }
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: keep sweeping
            LOG.warn("dispatch deadline sweep failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        sweeper.cancel(false);
    }
}
