package io.clawgo.internal.gateway;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds half-open control sockets ({@code gateway.control_ping_sec}): one periodic sweep over the registered sockets
 * (not a timer per socket) that pings each, and retires every socket it heard nothing from, no frame and no pong, for
 * two intervals: close code {@link #CLOSE_HALF_OPEN}, the TCP connection dropped, and the node marked offline with
 * reason {@link #REASON_HALF_OPEN}. A node whose socket works answers the pings by itself (OkHttp and the JDK's
 * WebSocket do), so it is never retired this way; the node TTL is unchanged (a pong does not refresh it).
 *
 * <p>The same sweep closes, with 4004, a socket whose node reads nothing while requests wait for room in its send
 * queue: no write finished for one interval ({@link ControlSocket#sendStalledNanos}). A node that reads, however
 * slowly, is never closed this way.
 */
final class ControlPinger implements AutoCloseable {
    /** Close code of a socket retired as half-open. */
    static final int CLOSE_HALF_OPEN = 4005;
    /** Offline reason of a node whose socket was retired as half-open (node audit, log). */
    static final String REASON_HALF_OPEN = "half_open";

    private static final Logger LOG = LoggerFactory.getLogger(ControlPinger.class);

    private final ControlHub hub;
    private final ScheduledExecutorService scheduler;
    private final long intervalNanos;
    private final String closeReason;
    private volatile ScheduledFuture<?> task;

    /**
     * @param interval positive; the sweep runs every interval, a socket silent for twice that is retired
     */
    ControlPinger(ControlHub hub, ScheduledExecutorService scheduler, Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("control ping interval must be positive, got " + interval);
        }
        this.hub = hub;
        this.scheduler = scheduler;
        this.intervalNanos = interval.toNanos();
        this.closeReason = "no frame or pong within 2 ping intervals of " + interval.toMillis() + " ms (half-open)";
    }

    /** Starts the sweep, the first one interval from now. */
    void start() {
        task = scheduler.scheduleWithFixedDelay(this::sweepSafely, intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
    }

    private void sweepSafely() {
        try {
            sweep(System.nanoTime());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOG.warn("control ping sweep failed", t);
        }
    }

    /**
     * One sweep at {@code now}: retires the sockets silent for two intervals, pings the others.
     *
     * @return how many sockets were retired
     */
    int sweep(long now) {
        int retired = 0;
        int pinged = 0;
        for (ControlSocket s : hub.sockets()) {
            if (!s.isOpen()) {
                continue; // retired or closing: its close callback unbinds it
            }
            long stalled = s.sendStalledNanos(now);
            long silent = now - s.lastHeardNanos();
            if (stalled >= intervalNanos) {
                LOG.warn("node {}: requests have waited {} ms for room in its send queue while it read nothing; "
                        + "closing its connection", s.nodeId(), TimeUnit.NANOSECONDS.toMillis(stalled));
                s.overflowed("send queue full: the node does not read its socket (nothing written for "
                        + TimeUnit.NANOSECONDS.toMillis(stalled) + " ms)");
                backstop(s);
                retired++;
            } else if (silent >= 2 * intervalNanos) {
                LOG.info("node {}: nothing heard on its control connection for {} ms (no frame, no pong); closing "
                        + "it as half-open", s.nodeId(), TimeUnit.NANOSECONDS.toMillis(silent));
                hub.retireHalfOpen(s, CLOSE_HALF_OPEN, closeReason, REASON_HALF_OPEN);
                backstop(s);
                retired++;
            } else if (s.ping()) {
                pinged++;
            }
        }
        LOG.trace("control ping sweep: {} pinged, {} retired", pinged, retired);
        return retired;
    }

    /** Drops the connection one interval later if the close frame could not even be written. */
    private void backstop(ControlSocket s) {
        try {
            scheduler.schedule(s::disconnect, intervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: closeAll and the server stop release the connection
        }
    }

    @Override
    public void close() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }
}
