package io.clawgo.transport.webrtc;

import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.RTCConfiguration;
import io.clawgo.config.IceServer;
import io.clawgo.spi.GatewayContext;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** What the gateway-side sessions of one transport share: context, settings, pool, ICE servers, the factory lease. */
final class GatewayEnv {
    final GatewayContext ctx;
    final WebRtcSettings settings;
    final ExecutorService pool;
    /** Where the DataChannel writers wait for a busy channel to drain (at most one per link at a time). */
    final ExecutorService drains;
    final List<IceServer> iceServers;
    private final java.util.concurrent.ConcurrentHashMap<PendingRequest, OfferAttempt> timed =
            new java.util.concurrent.ConcurrentHashMap<>();
    private SharedFactory.Lease lease;
    private boolean released;

    GatewayEnv(GatewayContext ctx, WebRtcSettings settings, ExecutorService pool, ExecutorService drains) {
        this.ctx = ctx;
        this.settings = settings;
        this.pool = pool;
        this.drains = drains;
        this.iceServers = ctx.p2p().allIceServers();
    }

    /** The shared factory, claimed on first use. Not on a callback thread. */
    synchronized PeerConnectionFactory factory() {
        if (released) {
            throw new IllegalStateException("the webrtc transport is closed");
        }
        if (lease == null) {
            lease = SharedFactory.acquire();
        }
        return lease.factory();
    }

    RTCConfiguration rtcConfig() {
        return RtcConfigs.build(Signals.toRtc(iceServers), settings.relayOnly(), settings);
    }

    /** Runs {@code task} on the pool after {@code millis} (the shared scheduler only hands it over). */
    ScheduledFuture<?> later(long millis, Runnable task) {
        return ctx.scheduler().schedule(() -> run(task), Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} on the pool; runs nothing when the pool is shut down. */
    boolean run(Runnable task) {
        try {
            pool.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Watches {@code p}'s deadlines until it completes (see {@link #sweep}). */
    void track(PendingRequest p, OfferAttempt a) {
        timed.put(p, a);
        p.result.whenComplete((r, e) -> timed.remove(p));
    }

    /**
     * Expires request deadlines, and ends the wait of requests to a node that withdrew webrtc; run every few
     * milliseconds on the shared scheduler. One sweep instead of a scheduled task per request: no timer churn on the
     * hot path (precision: the sweep period).
     */
    void sweep() {
        if (timed.isEmpty()) {
            return;
        }
        try {
            sweepNow();
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: keep sweeping
            org.slf4j.LoggerFactory.getLogger(GatewayEnv.class).warn("deadline sweep failed: {}", e.toString());
        }
    }

    private void sweepNow() {
        long now = System.nanoTime();
        timed.forEach((p, a) -> {
            long ready = p.readyWaitAt;
            if (ready != 0 && now - ready >= 0) {
                p.readyWaitAt = 0;
                run(() -> a.readyWaitExpired(p));
            } else if (p.state() == PendingRequest.State.WAITING
                    && !ctx.node(a.nodeId()).map(n -> n.mayOffer(WebRtcProvider.NAME)).orElse(true)) {
                // the node withdrew webrtc while this request waited for its channel: do not wait out the timeout
                run(() -> a.nodeWithdrew(p));
            }
            if (now - p.deadlineAt >= 0 && timed.remove(p, a)) {
                run(() -> a.requestTimedOut(p));
            }
        });
    }

    synchronized void release() {
        released = true;
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }
}
