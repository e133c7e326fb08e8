package io.clawgo.internal.gateway;

import io.clawgo.internal.concurrent.NamedThreadFactory;
import io.clawgo.protocol.DispatchMode;
import io.clawgo.protocol.NodeInfo;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers {@link GatewayEvents} to the application's listener one at a time, in the order they happened, on one
 * thread of its own ({@code clawgo-gateway-events-N}, started on the first event and ended after 30 s without one). The
 * threads that cause the events (Jetty's, the registry's reaper, the threads completing dispatches) only queue them,
 * so a slow listener never slows the gateway.
 *
 * <p>The queue is bounded. When it is full the event is dropped and counted, with a WARN at most once a minute that
 * says how many were lost: a listener that cannot keep up loses events rather than the gateway its memory. A listener
 * that throws is logged at WARN and gets the next event as usual. {@link #close()} delivers what is queued, for at most
 * {@link #CLOSE_WAIT_MILLIS}.
 */
final class EventThread implements GatewayEvents, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventThread.class);
    /** Events queued at most. */
    static final int CAPACITY = 10_000;
    static final long CLOSE_WAIT_MILLIS = 2_000;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final GatewayEvents listener;
    private final ThreadPoolExecutor thread;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedWarned = new AtomicLong();
    private volatile long lastWarnNanos = System.nanoTime() - WARN_INTERVAL_NANOS;

    EventThread(GatewayEvents listener, int capacity) {
        this(listener, capacity, new NamedThreadFactory("clawgo-gateway-events-"));
    }

    /** @param threads makes the delivering thread */
    EventThread(GatewayEvents listener, int capacity, java.util.concurrent.ThreadFactory threads) {
        this.listener = listener;
        this.thread = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(capacity),
                threads);
        thread.allowCoreThreadTimeOut(true);
    }

    /** Events lost because the queue was full. */
    long dropped() {
        return dropped.get();
    }

    @Override
    public void onOnline(NodeInfo n) {
        submit("onNodeOnline", () -> listener.onOnline(n));
    }

    @Override
    public void onOffline(NodeInfo n, String reason) {
        submit("onNodeOffline", () -> listener.onOffline(n, reason));
    }

    @Override
    public void onRemoved(String id) {
        submit("onNodeRemoved", () -> listener.onRemoved(id));
    }

    @Override
    public void onDispatch(Request request, DispatchMode mode, Response response, Instant startedAt,
                           long durationNanos) {
        submit("onDispatch", () -> listener.onDispatch(request, mode, response, startedAt, durationNanos));
    }

    private void submit(String what, Runnable call) {
        try {
            thread.execute(() -> {
                try {
                    call.run();
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("gateway listener failed in {}: {}", what, e.toString(), e);
                }
            });
        } catch (RejectedExecutionException e) {
            if (thread.isShutdown()) {
                LOG.debug("gateway closed: {} not delivered", what);
                return;
            }
            long n = dropped.incrementAndGet();
            long now = System.nanoTime();
            long last = lastWarnNanos;
            if (now - last >= WARN_INTERVAL_NANOS) {
                lastWarnNanos = now;
                long since = n - droppedWarned.getAndSet(n);
                LOG.warn("gateway listener is too slow: {} event(s) dropped in the last minute, {} in all (it gets at "
                        + "most {} queued events; return quickly from its methods)", since, n, CAPACITY);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                int left = thread.shutdownNow().size();
                LOG.warn("gateway listener still busy after {} ms at close; {} queued event(s) not delivered",
                        CLOSE_WAIT_MILLIS, left);
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
