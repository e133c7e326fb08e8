package io.clawgo.transport.webrtc;

import io.clawgo.protocol.ErrorCodes;
import io.clawgo.protocol.Request;
import io.clawgo.protocol.Response;
import io.clawgo.spi.ControlChannel;
import io.clawgo.spi.SessionStatus;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One node's webrtc session on the gateway, across attempts: its status for the API, the current
 * {@link OfferAttempt} (at most one), the re-establishment backoff and the in-flight bound.
 *
 * <p>Status: {@code connecting} while an attempt runs, {@code open} while its channel is open, then the way the last
 * attempt ended: {@code timeout}, {@code failed}, {@code disconnected} or {@code closed}. {@code retry_count} counts
 * attempts made after the first one, i.e. real re-establishments only; signals and reuse do not count.
 */
final class GatewaySession {
    final String nodeId;
    private final GatewayEnv env;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Instant createdAt = Instant.now();
    private Instant lastAttempt;
    private Instant lastReadyAt;
    private Instant lastChange = Instant.now();
    private String status = "connecting";
    private String lastError;
    private int attempts;
    private int retryCount;
    private int consecutiveFailures;
    private long nextAttemptNanos;
    private OfferAttempt current;

    GatewaySession(String nodeId, GatewayEnv env) {
        this.nodeId = nodeId;
        this.env = env;
    }

    /** Sends {@code request} over the current attempt, starting one when there is none and the backoff allows. */
    CompletableFuture<Response> submit(Request request, long timeoutMillis) {
        // take the slot first (check-then-increment would let concurrent callers past the bound)
        if (inFlight.incrementAndGet() > env.ctx.p2p().maxInFlightPerNode()) {
            inFlight.decrementAndGet();
            return done(Response.error(request, ErrorCodes.P2P_BUSY, "node " + nodeId + " has "
                    + env.ctx.p2p().maxInFlightPerNode() + " webrtc requests in flight"));
        }
        CompletableFuture<Response> out = submitHoldingSlot(request, timeoutMillis);
        out.whenComplete((r, e) -> inFlight.decrementAndGet());
        return out;
    }

    private CompletableFuture<Response> submitHoldingSlot(Request request, long timeoutMillis) {
        OfferAttempt a;
        boolean start = false;
        synchronized (this) {
            a = current;
            if (a == null || a.isEnded()) {
                long wait = (nextAttemptNanos - System.nanoTime()) / 1_000_000;
                if (wait > 0) {
                    return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE, "webrtc session to node "
                            + nodeId + " is " + status + (lastError == null ? "" : " (" + lastError + ")")
                            + "; next attempt in " + wait + " ms"));
                }
                Optional<ControlChannel> ch = env.ctx.controlChannel(nodeId);
                if (ch.isEmpty()) {
                    return done(Response.error(request, ErrorCodes.P2P_UNAVAILABLE, "node " + nodeId
                            + " has no open control connection for webrtc signalling"));
                }
                a = new OfferAttempt(this, env, ch.get());
                attempts++;
                if (attempts > 1) {
                    retryCount++;
                }
                lastAttempt = Instant.now();
                lastChange = lastAttempt;
                status = "connecting";
                current = a;
                start = true;
            }
        }
        PendingRequest p = new PendingRequest(Ids.requestId(), request, timeoutMillis);
        if (start) {
            OfferAttempt started = a;
            if (!env.run(started::start)) {
                started.end("failed", "the webrtc transport is closing", false);
            }
        }
        a.enqueue(p);
        return p.result;
    }

    /** The attempt's channel opened. */
    void attemptOpened(OfferAttempt a) {
        synchronized (this) {
            if (current != a) {
                return;
            }
            status = "open";
            lastReadyAt = Instant.now();
            lastChange = lastReadyAt;
            lastError = null;
            consecutiveFailures = 0;
            nextAttemptNanos = 0;
        }
    }

    /** The attempt ended; a failure delays the next one. */
    void attemptEnded(OfferAttempt a, String newStatus, String error, boolean failure) {
        synchronized (this) {
            if (current != a) {
                return;
            }
            current = null;
            status = newStatus;
            lastError = error;
            lastChange = Instant.now();
            if (failure) {
                consecutiveFailures++;
                nextAttemptNanos = System.nanoTime()
                        + Backoff.millis(consecutiveFailures, env.settings.backoffMin(), env.settings.backoffMax())
                        * 1_000_000L;
            }
        }
    }

    /** The attempt, if any, and only if it signals over {@code channel}'s connection. */
    synchronized OfferAttempt attemptOn(ControlChannel channel) {
        OfferAttempt a = current;
        return a != null && a.channel.generation() == channel.generation() ? a : null;
    }

    /** A node's control connection closed or was replaced: end an attempt that used it; retry at once later. */
    void controlChanged(ControlChannel channel, boolean connected) {
        OfferAttempt a;
        synchronized (this) {
            a = current;
            if (connected) {
                consecutiveFailures = 0;
                nextAttemptNanos = 0;
            }
        }
        if (a == null) {
            return;
        }
        boolean sameConnection = a.channel.generation() == channel.generation();
        if (connected && !sameConnection) {
            a.end("closed", "the node's control connection was replaced", false);
        } else if (!connected && sameConnection) {
            a.end("closed", "the node's control connection closed", false);
        }
    }

    /** Ends the current attempt (transport close, or a forced reset). */
    void endCurrent(String newStatus, String reason) {
        OfferAttempt a;
        synchronized (this) {
            a = current;
        }
        if (a != null) {
            a.end(newStatus, reason, false);
        }
    }

    boolean isOpen() {
        OfferAttempt a;
        synchronized (this) {
            a = current;
        }
        return a != null && a.isOpen();
    }

    /** Whether this record can be dropped: nothing in flight, no attempt, unchanged since {@code before}. */
    synchronized boolean idleSince(Instant before) {
        return current == null && inFlight.get() == 0 && lastChange.isBefore(before);
    }

    synchronized SessionStatus status() {
        return new SessionStatus(nodeId, status, retryCount, lastError, createdAt, lastAttempt, lastReadyAt,
                inFlight.get());
    }

    private static CompletableFuture<Response> done(Response r) {
        return CompletableFuture.completedFuture(r);
    }
}
